// The clip viewer (studio.ui.detail): a dialog named by the clip's title. Opening it moves focus into it;
// Esc closes it and gives focus back to the tile it came from; ← and → open the previous and next clip of
// the gallery as it is shown. Its head's buttons are `click` events (favourite, close).
// Gradio mounts the viewer each time it is shown: the page-wide listeners are added once and always use
// the latest mount (window.hhViewer).
// The page's count of opens, sent with each: the server draws only the latest, whatever order they arrive in.
const nextOpen = (id) => { window.hhOpenWant = {id, at: performance.now()}; return (window.hhOpenSeq = (window.hhOpenSeq || 0) + 1); };
const viewer = window.hhViewer = Object.assign(window.hhViewer || {}, {element, trigger});
const dialogOf = () => document.getElementById('hh-detail');
const dialog = dialogOf();
if (dialog) {
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-labelledby', 'hh-detail-h');
}
const shownId = () => { const h = document.querySelector('#hh-detail-head .hh-dhead'); return h ? h.dataset.id : null; };
const tileFor = (id) => id && document.querySelector(`#hh-gallery .hh-tile[data-id="${CSS.escape(id)}"]`);
const focusTitle = () => {
  const d = dialogOf();
  const h = document.getElementById('hh-detail-h');
  if (h && d && !d.contains(document.activeElement)) h.focus({preventScroll: true});
};
// Toasts come at the page's top right, over the viewer's ‹ › and Close: while a clip is shown they sit beside
// the viewer where there is room (a wide screen's third column), else under its buttons (studio.css).
const placeToasts = () => {
  const d = dialogOf();
  const root = document.documentElement;
  const box = d && shownId() && d.getClientRects().length ? d.getBoundingClientRect() : null;  // shown (it may be fixed)
  const nav = box && d.querySelector('.hh-dnav')?.getBoundingClientRect();
  if (box && box.left >= 320) {
    root.dataset.hhToasts = 'beside';
    root.style.setProperty('--hh-toast-right', `${Math.round(window.innerWidth - box.left + 12)}px`);
  } else if (nav && nav.bottom > 0) {  // the viewer covers the page and its buttons are in view
    root.dataset.hhToasts = 'below';
    root.style.setProperty('--hh-toast-top', `${Math.round(nav.bottom + 4)}px`);
  } else {
    delete root.dataset.hhToasts;
  }
};
viewer.placeToasts = placeToasts;
if (!viewer.listening) {
  viewer.listening = true;
  // placed again as each toast comes (the viewer may have closed or the window changed since)
  const toasts = document.querySelector('.toast-wrap');
  if (toasts) new MutationObserver(() => window.hhViewer.placeToasts()).observe(toasts, {childList: true});
  window.addEventListener('resize', () => window.hhViewer.placeToasts());
  let placing = false;  // and as the viewer scrolls its buttons into or out of view, once a frame
  document.addEventListener('scroll', (e) => {
    if (placing || !(e.target instanceof Element) || e.target.id !== 'hh-detail') return;
    placing = true;
    requestAnimationFrame(() => { placing = false; window.hhViewer.placeToasts(); });
  }, {capture: true, passive: true});
  viewer.from = null;  // the tile the viewer was opened from: focus goes back there on close
  const note = (e) => {
    const tile = e.target.closest && e.target.closest('#hh-gallery .hh-tile[data-id]');
    if (tile && !e.target.closest('[data-act=fav]') && (e.type === 'click' || e.key === 'Enter' || e.key === ' ')) {
      viewer.from = tile.dataset.id;
    }
  };
  document.addEventListener('click', note, true);
  document.addEventListener('keydown', note, true);
  viewer.step = (by) => {
    const all = [...document.querySelectorAll('#hh-gallery .hh-tile[data-id]')];
    const at = all.findIndex((t) => t.dataset.id === shownId());
    const next = all[at + by];
    if (at < 0 || !next) return;
    viewer.from = next.dataset.id;
    all.forEach((t) => t.classList.remove('hh-open'));
    next.classList.add('hh-open');
    next.scrollIntoView({block: 'nearest'});
    viewer.trigger('click', {act: 'open', id: next.dataset.id, seq: nextOpen(next.dataset.id)});
  };
  viewer.close = () => {
    window.hhOpenWant = null;
    const tile = tileFor(viewer.from) || tileFor(shownId());
    if (tile && window.hhKeepInPlace) window.hhKeepInPlace(tile);  // the gallery widens again (assets/grid.js)
    viewer.trigger('click', {act: 'close'});
    delete document.documentElement.dataset.hhToasts;
    if (tile) tile.focus();
  };
  document.addEventListener('keydown', (e) => {
    const d = dialogOf();
    if (!d || !shownId() || !(d.contains(document.activeElement) || document.activeElement === document.body)) return;
    if (e.key === 'Escape') { e.preventDefault(); viewer.close(); return; }
    const typing = e.target.closest && e.target.closest('input, select, textarea, video, [contenteditable]');
    if (typing || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key === 'ArrowRight') { e.preventDefault(); viewer.step(1); }
    if (e.key === 'ArrowLeft') { e.preventDefault(); viewer.step(-1); }
  });
}
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  e.preventDefault();
  if (b.dataset.act === 'prev') viewer.step(-1);
  else if (b.dataset.act === 'next') viewer.step(1);
  else if (b.dataset.act === 'close') viewer.close();
  else trigger('click', {act: b.dataset.act});
});
// A newly opened clip takes focus (its title), so a keyboard or screen reader user is in the viewer, and
// the viewer scrolls back to its top: a take picked (or a lineage link followed) far down the panel plays
// in the player, which had been left scrolled out of sight, looking blank (#23).
let last = null;
const opened = () => {
  const id = shownId();
  if (id && id !== last) {
    const d = dialogOf();
    if (d && last) d.scrollTop = 0;
    focusTitle();
  }
  last = id;
  placeToasts();
  healLater();
};
// Gradio applies answers as they finish drawing, not always in the order they were sent: the page's first
// open mounts the viewer's parts and can land after a later open's answer, leaving the earlier clip shown.
// If the viewer shows another clip a moment after the last one asked for, that one is asked for again, once.
let heal = null;
const healLater = () => {
  clearTimeout(heal);
  heal = setTimeout(() => {
    const want = window.hhOpenWant;
    const id = shownId();
    if (!want || !id || id === want.id || performance.now() - want.at > 8000) return;
    viewer.trigger('click', {act: 'open', id: want.id, seq: nextOpen(want.id)});
    window.hhOpenWant = null;
  }, 1200);
};
// Gradio patches the head in place when another clip opens (its data-id changes, no node is added): watch
// that attribute too, or a pick or an arrow would leave focus and scroll where they were.
new MutationObserver(opened).observe(element, {childList: true, subtree: true, attributes: true,
                                               attributeFilter: ['data-id']});
opened();
