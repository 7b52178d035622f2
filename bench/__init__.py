"""The benchmark: speed and memory as users feel them, beside a naive baseline.

    python -m bench [--quick] [--out bench/results]     (or: make bench)

It measures askhist only through what askhist exposes: the commands, the
``Assistant`` API with its ``timings=`` hook, and the statistics a build
records in the index manifest. Every measurement runs in a fresh process
(``python -m bench.task``), so cold starts are cold and peak memory belongs
to one scenario.

Modules, one job each:

* ``__main__``: the command line; ``run``: the plan and the order of a run;
* ``task``: the entry point of a measuring process; ``processes``: starting
  and timing those processes;
* ``build``, ``warm``, ``baseline``, ``ann``: the measurements made in them;
  ``cold``: cold starts of ``askhist ask`` and ``askhist serve``;
* ``corpus``: the scaling corpus and its stand-in encoder;
  ``questions``, ``stats``: what is asked, and summaries of what was measured;
* ``report``: the targets and the table.

``loadtest.py`` (a running server under many clients) and ``make_corpus``
(write a scaling corpus) are run on their own.
"""
