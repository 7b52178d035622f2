"""The web app, ``askhist serve``: a thin Gradio layer over :class:`askhist.Assistant`.

``render`` turns answers, claim reports and documents into escaped HTML;
``handlers`` is what each event does, as plain functions of the assistant and
the session's state; ``app`` wires them into the Gradio page (with the
``static/`` style and script) and serves it. Only ``app`` imports Gradio.
"""
