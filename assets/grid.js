// The gallery grid (gr.HTML js_on_load: element, trigger and server are Gradio's).
// Click or Enter opens a clip, the star toggles a favourite, hovering a finished
// clip plays it muted, and reaching the end of the grid asks for the next page.
(() => {
  // The page's count of opens, sent with each: the server draws only the latest, whatever order they arrive in.
  const nextOpen = () => (window.hhOpenSeq = (window.hhOpenSeq || 0) + 1);
  const tileOf = (t) => t && t.closest && t.closest('.hh-tile');
  element.addEventListener('click', (e) => {
    const act = e.target.closest('[data-act]');
    const tile = tileOf(e.target);
    if (act && ['more', 'older', 'newest'].includes(act.dataset.act)) {
      trigger('click', {act: act.dataset.act});
      return;
    }
    if (!tile) return;
    if (act && act.dataset.act === 'fav') {
      e.stopPropagation();
      act.textContent = act.textContent === '★' ? '☆' : '★';
      trigger('click', {act: 'fav', id: tile.dataset.id});
      return;
    }
    element.querySelectorAll('.hh-tile.hh-open').forEach((t) => t.classList.remove('hh-open'));
    tile.classList.add('hh-open');
    trigger('click', {act: 'open', id: tile.dataset.id, seq: nextOpen()});
  });
  element.addEventListener('keydown', (e) => {
    const tile = tileOf(e.target);
    if (tile && (e.key === 'Enter' || e.key === ' ') && e.target === tile) {
      e.preventDefault();
      trigger('click', {act: 'open', id: tile.dataset.id, seq: nextOpen()});
    }
  });

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
