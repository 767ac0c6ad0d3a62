// The gallery grid (gr.HTML js_on_load: element, trigger and server are Gradio's).
// Click or Enter opens a clip, the star toggles a favourite, hovering a finished
// clip plays it muted, and reaching the end of the grid asks for the next page.
// The order is a native select; "Select" turns clicks into picks (shift-click
// picks a range) for the bulk actions, and the picks outlive the grid's redraws.
(() => {
  // The page's count of opens, sent with each: the server draws only the latest, whatever order they arrive in.
  const nextOpen = (id) => { window.hhOpenWant = {id, at: performance.now()}; return (window.hhOpenSeq = (window.hhOpenSeq || 0) + 1); };
  const tileOf = (t) => t && t.closest && t.closest('.hh-tile[data-id]');
  const MAX_PICKED = 200;  // the server's bound too (Gallery.own)
  let selecting = false;
  let picked = new Set();
  let anchor = null;  // the last tile picked by hand: a shift-click picks the range from it
  const shownTiles = () => [...element.querySelectorAll('.hh-tile[data-id]')];
  // (text written only when it changes: the observer below would otherwise see its own writes forever)
  const say = (text) => { const n = element.querySelector('.hh-bulk-n'); if (n && n.textContent !== text) n.textContent = text; };

  // (every write below changes only what differs: the observer sees paint's own writes and must settle)
  const put = (el, name, value) => { if (el.getAttribute(name) !== value) el.setAttribute(name, value); };
  // Draw the mode and the picks on whatever the server drew last (a redraw replaces the grid's HTML).
  const paint = () => {
    const lib = element.querySelector('.hh-lib');
    if (!lib) return;
    const ids = new Set(shownTiles().map((t) => t.dataset.id));
    picked = new Set([...picked].filter((id) => ids.has(id)));  // deleted or filtered away: no longer picked
    lib.classList.toggle('hh-selecting', selecting);
    const mode = element.querySelector('.hh-selmode');
    if (mode) {
      put(mode, 'aria-pressed', String(selecting));
      const words = selecting ? 'Cancel selection' : 'Select';
      if (mode.textContent !== words) mode.textContent = words;
    }
    const bar = element.querySelector('.hh-bulk');
    if (bar && bar.hidden !== !selecting) bar.hidden = !selecting;
    shownTiles().forEach((t) => {
      const on = picked.has(t.dataset.id);
      t.classList.toggle('hh-picked', on);
      const box = t.querySelector('.hh-pick');
      if (box) { box.checked = on; put(box, 'tabindex', selecting ? '0' : '-1'); }
      if (selecting) put(t, 'aria-pressed', String(on)); else if (t.hasAttribute('aria-pressed')) t.removeAttribute('aria-pressed');
    });
    say(`${picked.size} selected`);
    element.querySelectorAll('.hh-bulk [data-bulk]').forEach((b) => {
      const off = !['all', 'done', 'keep', 'really'].includes(b.dataset.bulk) && picked.size === 0;
      if (b.disabled !== off) b.disabled = off;
    });
  };
  const pick = (tile, on, range) => {
    const all = shownTiles();
    const targets = range && anchor && all.includes(anchor)
      ? all.slice(Math.min(all.indexOf(anchor), all.indexOf(tile)), Math.max(all.indexOf(anchor), all.indexOf(tile)) + 1)
      : [tile];
    targets.forEach((t) => {
      if (on && picked.size < MAX_PICKED) picked.add(t.dataset.id); else if (!on) picked.delete(t.dataset.id);
    });
    anchor = tile;
    paint();
    if (on && picked.size >= MAX_PICKED) say(`${picked.size} selected (the most one action takes)`);
  };
  const ask = (show, text) => {
    const box = element.querySelector('.hh-bulk-ask');
    if (!box) return;
    box.hidden = !show;
    if (show) { box.querySelector('.hh-bulk-q').textContent = text; box.querySelector('[data-bulk="really"]').focus(); }
  };
  const download = async () => {
    say(`Packing ${picked.size} clips…`);
    let answer;
    try { answer = await server.zip_url([...picked]); } catch (err) { answer = {error: 'The download failed: try again.'}; }
    if (!answer || answer.error || !answer.url) {
      say((answer && answer.error) || 'Nothing to download.');
      setTimeout(paint, 6000);
      return;
    }
    const a = document.createElement('a');
    a.href = answer.url; a.download = answer.name || 'clips.zip';
    document.body.appendChild(a); a.click(); a.remove();
    say(`Downloading ${answer.count} clip${answer.count === 1 ? '' : 's'}` +
        (answer.left ? ` (${answer.left} left out: not found or not finished)` : ''));
    setTimeout(paint, 5000);  // then the count again
  };
  const bulk = (what) => {
    const ids = [...picked];
    if (what === 'all') { shownTiles().forEach((t) => { if (picked.size < MAX_PICKED) picked.add(t.dataset.id); }); paint(); return; }
    if (what === 'done') { selecting = false; picked.clear(); ask(false); paint(); element.querySelector('.hh-selmode')?.focus(); return; }
    if (what === 'keep') { ask(false); return; }
    if (!ids.length) return;
    if (what === 'delete') { ask(true, `Delete ${ids.length} clip${ids.length === 1 ? '' : 's'} and their files?`); return; }
    if (what === 'really') { ask(false); picked.clear(); paint(); trigger('click', {act: 'several', op: 'delete', ids}); return; }
    if (what === 'fav') {
      const allStarred = ids.every((id) => element.querySelector(`.hh-tile[data-id="${CSS.escape(id)}"] .hh-fav`)?.getAttribute('aria-pressed') === 'true');
      trigger('click', {act: 'several', op: 'fav', on: !allStarred, ids});
      return;
    }
    if (what === 'board') { trigger('click', {act: 'several', op: 'board', ids}); return; }
    if (what === 'download') download();
  };
  // A redraw brings a new .hh-lib (or Gradio patches the old one): paint the mode and the picks on it.
  if (typeof watch === 'function') watch('value', () => paint());
  new MutationObserver((changes) => {
    if (changes.some((c) => (c.type === 'attributes' && c.target.matches('.hh-lib, .hh-tile, .hh-bulk')) ||
        [...c.addedNodes].some((n) => n.nodeType === 1 && (n.matches('.hh-lib, .hh-tile') || n.querySelector('.hh-lib'))))) paint();
  }).observe(element, {childList: true, subtree: true, attributes: true, attributeFilter: ['class', 'hidden']});

  element.addEventListener('change', (e) => {
    if (e.target.matches('select[data-act="sort"]')) trigger('click', {act: 'sort', sort: e.target.value});
    if (e.target.matches('.hh-pick')) pick(tileOf(e.target), e.target.checked, false);
  });
  element.addEventListener('click', (e) => {
    const act = e.target.closest('[data-act]');
    const tile = tileOf(e.target);
    const b = e.target.closest('[data-bulk]');
    if (b) { bulk(b.dataset.bulk); return; }
    if (act && act.dataset.act === 'select') {
      selecting = !selecting;
      if (!selecting) { picked.clear(); ask(false); }
      paint();
      return;
    }
    if (act && act.dataset.act === 'sort') return;  // the select's own clicks: its change event sends the order
    if (act && ['more', 'older', 'newest'].includes(act.dataset.act)) {
      const key = act.dataset.act === 'more' && act.dataset.key;
      if (key && asked.has(key)) return;  // already asked for as it came into view: one page, not two
      if (key) asked.add(key);
      trigger('click', {act: act.dataset.act});
      return;
    }
    if (!tile) return;
    if (selecting) {  // a click picks (or unpicks) the tile; shift-click the range from the last one picked
      if (e.target.matches('.hh-pick')) {
        if (e.shiftKey) { e.preventDefault(); pick(tile, !picked.has(tile.dataset.id), true); }
        return;  // a plain click on the box: its change event picks it
      }
      e.preventDefault();
      pick(tile, !picked.has(tile.dataset.id), e.shiftKey);
      return;
    }
    if (act && act.dataset.act === 'fav') {
      e.stopPropagation();
      act.textContent = act.textContent === '★' ? '☆' : '★';
      trigger('click', {act: 'fav', id: tile.dataset.id});
      return;
    }
    element.querySelectorAll('.hh-tile.hh-open').forEach((t) => t.classList.remove('hh-open'));
    tile.classList.add('hh-open');
    keepInPlace(tile);
    trigger('click', {act: 'open', id: tile.dataset.id, seq: nextOpen(tile.dataset.id)});
  });
  element.addEventListener('keydown', (e) => {
    const tile = tileOf(e.target);
    if (tile && (e.key === 'Enter' || e.key === ' ') && e.target === tile) {
      e.preventDefault();
      if (selecting) pick(tile, !picked.has(tile.dataset.id), e.shiftKey);
      else { keepInPlace(tile); trigger('click', {act: 'open', id: tile.dataset.id, seq: nextOpen(tile.dataset.id)}); }
    }
    if (e.key === 'Escape' && selecting && element.contains(e.target)) bulk('done');
  });

  // On a wide screen the viewer opens beside the gallery, which narrows, and its tiles flow anew: the tile
  // opened keeps its place on screen (and the one shown keeps it as the viewer closes, assets/viewer.js),
  // instead of landing a screen or more below. For a few seconds, or until the person scrolls.
  const keepInPlace = window.hhKeepInPlace = (tile) => {
    window.hhAnchor = {id: tile.dataset.id, top: tile.getBoundingClientRect().top, at: performance.now()};
  };
  ['wheel', 'touchmove', 'keydown'].forEach((type) => window.addEventListener(type, (e) => {
    if (type !== 'keydown' || ['PageDown', 'PageUp', 'Home', 'End', 'ArrowDown', 'ArrowUp'].includes(e.key)) window.hhAnchor = null;
  }, {passive: true}));
  let width = element.getBoundingClientRect().width;
  new ResizeObserver(() => {
    const now = element.getBoundingClientRect().width;
    if (Math.abs(now - width) < 1) return;
    width = now;
    const a = window.hhAnchor;
    if (!a || performance.now() - a.at > 4000) return;
    const tile = element.querySelector(`.hh-tile[data-id="${CSS.escape(a.id)}"]`);
    if (!tile) return;
    const fits = Math.max(8, window.innerHeight - tile.getBoundingClientRect().height - 8);  // all of it in view
    window.scrollBy(0, tile.getBoundingClientRect().top - Math.min(Math.max(a.top, 8), fits));
  }).observe(element);

  // Hover plays the clip muted, from its own address (asked for once per tile).
  const addresses = new Map();
  let hoverTimer = null;
  const stop = (thumb) => { thumb.querySelectorAll('video').forEach((v) => v.remove()); };
  element.addEventListener('mouseover', (e) => {
    const thumb = e.target.closest && e.target.closest('.hh-thumb[data-clip="1"]');
    if (!thumb || thumb.querySelector('video') || !server || !server.clip_url) return;
    const id = tileOf(thumb).dataset.id;
    clearTimeout(hoverTimer);
    hoverTimer = setTimeout(async () => {
      let url = addresses.get(id);
      if (url === undefined) {
        try { url = await server.clip_url(id); } catch (err) { url = null; }
        addresses.set(id, url);
      }
      if (!url || !thumb.matches(':hover') || thumb.querySelector('video')) return;
      const v = document.createElement('video');
      Object.assign(v, {src: url, muted: true, loop: true, autoplay: true, playsInline: true});
      v.setAttribute('muted', '');
      v.className = 'hh-hoverplay';
      thumb.appendChild(v);
      v.play().catch(() => {});
    }, 140);
  });
  element.addEventListener('mouseout', (e) => {
    const thumb = e.target.closest && e.target.closest('.hh-thumb');
    if (thumb && !thumb.contains(e.relatedTarget)) { clearTimeout(hoverTimer); stop(thumb); }
  });

  // Lazy paging: when "Show more" comes into view, ask for the next page (once per page: the button's key
  // names the last tile shown, and Gradio may keep the same element across redraws).
  const asked = new Set();
  const io = new IntersectionObserver((entries) => {
    entries.forEach((en) => {
      const key = en.target.dataset.key;
      if (en.isIntersecting && key && !asked.has(key)) { asked.add(key); trigger('click', {act: 'more'}); }
    });
  }, {rootMargin: '400px'});
  new MutationObserver(() => {
    element.querySelectorAll('.hh-more[data-key]').forEach((b) => { io.unobserve(b); io.observe(b); });
  }).observe(element, {childList: true, subtree: true, attributes: true, attributeFilter: ['data-key']});
  element.querySelectorAll('.hh-more').forEach((b) => io.observe(b));
})();
