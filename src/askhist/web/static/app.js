// Runs once per askhist HTML block (Gradio's gr.HTML js_on_load, with `element` and `trigger` in scope):
// citation numbers open their source, copy buttons copy, "show in source" scrolls to the highlighted
// sentence, "read the whole document" opens it in the Sources tab, a new answer scrolls into view, and
// a document chosen in the Sources tab is brought to where the reader is. Event delegation, so it
// survives re-renders.
element.addEventListener('click', (event) => {
  const cite = event.target.closest('a.cite');
  if (cite) {
    event.preventDefault();
    const box = element.querySelector('#' + CSS.escape(cite.dataset.target || ''));
    if (box) {
      box.open = true;
      box.classList.remove('flash');
      void box.offsetWidth;
      box.classList.add('flash');
      setTimeout(() => box.classList.remove('flash'), 1500);
      box.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    }
    return;
  }
  const source = event.target.closest('button.open-source');
  if (source) {
    // Switch to the Sources tab, then press that document's card (the list is another block).
    const doc = source.dataset.doc || '';
    const tab = document.getElementById('tab-sources-button');
    if (tab) tab.click();
    let tries = 0;
    const press = () => {
      const card = Array.from(document.querySelectorAll('#doc-list button.open-doc'))
        .find((button) => button.dataset.doc === doc);
      if (card && card.offsetParent !== null) card.click();
      else if (tries++ < 40) setTimeout(press, 50);
    };
    press();
    return;
  }
  const open = event.target.closest('button.open-doc');
  if (open) {
    element.querySelectorAll('.doc-card.selected').forEach((card) => card.classList.remove('selected'));
    open.closest('.doc-card').classList.add('selected');
    trigger('click', {doc: open.dataset.doc || ''});
    return;
  }
  const copy = event.target.closest('button.copy');
  if (copy) {
    const text = copy.dataset.copy || '';
    const done = () => {
      copy.textContent = 'Copied';
      setTimeout(() => { copy.textContent = 'Copy citation'; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => {});
    } else {
      const area = document.createElement('textarea');
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand('copy'); done(); } catch (e) {}
      area.remove();
    }
  }
});
element.addEventListener('toggle', (event) => {
  const d = event.target;
  if (d.tagName !== 'DETAILS' || !d.open) return;
  const mark = d.querySelector('.doc-box mark');
  if (mark) {
    const box = mark.closest('.doc-box');
    box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  }
}, true);
let turns = element.querySelectorAll('.turn').length;
new MutationObserver(() => {
  const all = element.querySelectorAll('.turn');
  if (all.length > turns) all[all.length - 1].scrollIntoView({block: 'start', behavior: 'smooth'});
  turns = all.length;
}).observe(element, {childList: true, subtree: true});
// The document viewer: a newly shown document starts at its top and is scrolled to where the reader is
// (on a phone the viewer sits below every card; on a desktop it may have been scrolled off the top).
let shownDoc = null;
new MutationObserver(() => {
  const view = element.querySelector('.doc-view');
  const doc = view ? view.dataset.doc : null;
  if (!view || doc === shownDoc) { shownDoc = doc; return; }
  shownDoc = doc;
  const text = view.querySelector('.doc-text');
  if (text) text.scrollTop = 0;
  const box = view.getBoundingClientRect();
  if (box.width && (box.top < 0 || box.top > window.innerHeight * 0.6)) view.scrollIntoView({block: 'start'});
}).observe(element, {childList: true, subtree: true, attributes: true, attributeFilter: ['data-doc']});
