// The storyboard's timeline (studio.ui.storyboard_html): each shot a filmstrip as wide as its trimmed length,
// at the one scale that fits the board (it scrolls sideways past the smallest scale a handle stays usable at).
// In and out handles drag (pointer events) or nudge one frame at a time (arrow keys on a handle, or the -1/+1
// buttons of the chosen shot; Shift moves a second). Every trim lands on the clip's frame grid, as the export
// snaps it. The page redraws locally at once and sends the whole plan back as one "input" event (the server
// checks it again and answers with the length, the exact in and out frames, and the Export button);
// Earlier/Later/Take out go as a "click" with the plan, so a move never runs on a plan older than the screen.
// A join's Preview goes as a "submit" with the plan (one at a time: a press while one renders does nothing);
// the server draws the preview under the timeline, and any change to the plan marks it out of date.
const MIN_PPS = 30, MAX_PPS = 150;   // px per second of the timeline's scale
const MIN_W = 84;                    // px: a shot stays wide enough to grab both its handles
let pps = 60, sel = null, drag = null, timer = null, laid = null, refocus = null, busy = null;

const shots = () => [...element.querySelectorAll('.hh-tl-shot')];
const num = (s, k) => Number(s.dataset[k]);
const fmt = (x) => Math.max(0, x).toFixed(2).replace(/\.?0+$/, '') + ' s';
const code = (t, fps) => {  // m:ss.ff, frames after the dot (as the server writes it)
  const per = Math.round(fps), f = Math.round(t * fps);
  if (per > 200) { const w = Math.floor(t); return `${Math.floor(w / 60)}:${String(w % 60).padStart(2, '0')}.${String(Math.round((t - w) * 100)).padStart(2, '0')}`; }
  const w = Math.floor(f / per), r = f - w * per;
  return `${Math.floor(w / 60)}:${String(w % 60).padStart(2, '0')}.${String(r).padStart(2, '0')}`;
};
const snap = (t, fps) => Math.round(t * fps) / fps;
const plan = () => shots().map((s) => ({id: s.dataset.id, start: s.dataset.start, end: s.dataset.end,
  fade: (element.querySelector(`.hh-tl-join[data-after="${s.dataset.i}"] select`) || {}).value || '0'}));
const chosen = () => shots().find((s) => s.dataset.id === sel) || shots()[0];

let settle = null;
function send(now) {
  clearTimeout(timer);
  clearTimeout(settle);
  const go = () => trigger('input', {plan: plan(), sel});
  if (now) go(); else timer = setTimeout(go, 220);  // a run of nudges goes as one edit
  // and once more when the hand rests: a busy server that dropped an edit of a quick run still ends on the
  // plan the screen shows (the server takes the same plan twice as once)
  settle = setTimeout(go, 1500);
}

function scale() {
  const tl = element.querySelector('.hh-tl');
  if (!tl) return;
  const joins = [...tl.querySelectorAll('.hh-tl-join')].reduce((w, j) => w + j.offsetWidth + 8, 0);
  const total = shots().reduce((t, s) => t + Math.max(0, num(s, 'end') - num(s, 'start')), 0) || 1;
  const room = tl.clientWidth - joins - 8 * shots().length - 4;
  pps = Math.min(MAX_PPS, Math.max(MIN_PPS, room / total));
  shots().forEach(paint);
}

function paint(s) {
  const start = num(s, 'start'), end = num(s, 'end'), len = num(s, 'len'), fps = num(s, 'fps');
  const seconds = Math.max(end - start, 1 / fps), w = Math.max(MIN_W, seconds * pps);
  s.style.width = `${w}px`;
  s.classList.toggle('hh-tl-narrow', w < 132);  // room for its number and length only
  s.style.setProperty('--in', start / len);
  s.style.setProperty('--out', end / len);
  const film = s.querySelector('.hh-tl-film');
  const h = film.clientHeight || 48, cw = Math.max(16, h * num(s, 'aspect')), n = Math.ceil(w / cw);
  const count = num(s, 'count'), strip = s.dataset.strip, poster = s.dataset.poster, per = seconds / w;
  while (film.children.length < n) film.appendChild(document.createElement('i'));
  while (film.children.length > n) film.lastChild.remove();
  [...film.children].forEach((cell, k) => {
    cell.style.width = `${cw}px`;
    if (strip && count) {
      const t = start + (k + 0.5) * cw * per, at = Math.min(count - 1, Math.max(0, Math.floor(t / len * count)));
      cell.style.backgroundImage = `url("${strip}")`;
      cell.style.backgroundSize = `${count * cw}px ${h}px`;
      cell.style.backgroundPosition = `${-at * cw}px 0`;
    } else if (poster) {
      cell.style.backgroundImage = `url("${poster}")`;
      cell.style.backgroundSize = 'cover';
    }
  });
  s.querySelector('.hh-tl-len').textContent = fmt(end - start);
  for (const [edge, v, lo, hi] of [['start', start, 0, end - 1 / fps], ['end', end, start + 1 / fps, len]]) {
    const handle = s.querySelector(`.hh-tl-h[data-edge=${edge}]`);
    handle.setAttribute('aria-valuemin', lo.toFixed(3));
    handle.setAttribute('aria-valuemax', hi.toFixed(3));
    handle.setAttribute('aria-valuenow', v.toFixed(3));
    const frame = edge === 'start' ? Math.round(v * fps) : Math.max(0, Math.round(v * fps) - 1);
    handle.setAttribute('aria-valuetext', `${code(frame / fps, fps)}, frame ${frame + 1} of ${Math.ceil(len * fps)}`);
  }
  if (s.dataset.id === sel) inspect();
}

function inspect() {
  const s = chosen(), box = element.querySelector('.hh-tl-insp');
  if (!s || !box) return;
  const fps = num(s, 'fps'), start = num(s, 'start'), end = num(s, 'end'), i = Number(s.dataset.i);
  box.querySelector('.hh-tl-which b').textContent = `Shot ${i + 1}`;
  box.querySelector('.hh-tl-which span').textContent = `${s.dataset.title} · ${fmt(end - start)} of ${fmt(num(s, 'len'))}`;
  const first = Math.round(start * fps), last = Math.max(first, Math.round(end * fps) - 1);
  box.querySelector('[data-edge=start] output').textContent = `${code(first / fps, fps)} · frame ${first + 1}`;
  box.querySelector('[data-edge=end] output').textContent = `${code(last / fps, fps)} · frame ${last + 1}`;
  box.querySelector('[data-act=left]').disabled = i === 0;
  box.querySelector('[data-act=right]').disabled = i === shots().length - 1;
  shots().forEach((x) => {
    x.classList.toggle('hh-tl-sel', x === s);
    x.querySelector('.hh-tl-pick').setAttribute('aria-pressed', String(x === s));
  });
}

let changes = 0, asked = 0;  // edits to the plan so far, and how many there were when a preview was asked for
function stale() {  // the plan changed: a shown preview is of the join as it was
  changes += 1;
  outdated();
}
function outdated() {
  const pv = element.querySelector('.hh-tl-pv:not(.hh-tl-pv-no)');
  if (!pv || pv.classList.contains('hh-tl-pv-old')) return;
  pv.classList.add('hh-tl-pv-old');
  pv.querySelector('.hh-tl-pv-stale').hidden = false;
}

function preview(b) {
  if (busy) return;  // one render at a time; the server also drops a press while this page's last one runs
  clearTimeout(timer);  // the plan goes with the press
  const buttons = [...element.querySelectorAll('.hh-tl-prev')];
  busy = setTimeout(() => {  // no answer at all (the connection dropped): let it be pressed again
    busy = null;
    buttons.forEach((x) => { x.removeAttribute('aria-disabled'); x.removeAttribute('aria-busy'); });
    b.lastChild.textContent = ' Preview';
  }, 120000);
  buttons.forEach((x) => x.setAttribute('aria-disabled', 'true'));
  b.setAttribute('aria-busy', 'true');
  b.lastChild.textContent = ' Rendering…';
  asked = changes;
  trigger('submit', {i: Number(b.dataset.after), plan: plan(), sel});
}

function set(s, edge, value) {
  const fps = num(s, 'fps'), len = num(s, 'len'), step = 1 / fps;
  let v = snap(value, fps);
  if (edge === 'start') v = Math.min(Math.max(0, v), snap(num(s, 'end'), fps) - step);
  else v = Math.max(Math.min(len, v), num(s, 'start') + step);
  if (edge === 'end' && v > len - step / 2) v = len;  // the clip's own end
  if (s.dataset[edge] !== v.toFixed(6)) stale();
  s.dataset[edge] = v.toFixed(6);
  paint(s);
}

function pick(s, tell) {
  if (!s) return;
  const changed = sel !== s.dataset.id;
  sel = s.dataset.id;
  inspect();
  if (changed && tell) send(true);  // the server draws this shot's exact in and out frames
}

function nudge(s, edge, frames) {
  set(s, edge, num(s, edge) + frames / num(s, 'fps'));
  pick(s, false);
  send(false);
}

element.addEventListener('pointerdown', (e) => {
  const handle = e.target.closest('.hh-tl-h');
  if (!handle) return;
  e.preventDefault();
  const s = handle.closest('.hh-tl-shot'), edge = handle.dataset.edge;
  handle.setPointerCapture(e.pointerId);
  handle.focus({preventScroll: true});
  const w = s.getBoundingClientRect().width, seconds = num(s, 'end') - num(s, 'start');
  drag = {s, edge, x: e.clientX, from: num(s, edge), per: seconds / w, id: e.pointerId};
  s.classList.add('hh-tl-drag');
  pick(s, false);
});
element.addEventListener('pointermove', (e) => {
  if (!drag || e.pointerId !== drag.id) return;
  const {s, edge, x, from, per} = drag;
  set(s, edge, from + (e.clientX - x) * per);
  if (edge === 'start') s.style.marginLeft = `${(num(s, 'start') - from) / per}px`;  // the edge follows the hand
});
const drop = (e) => {
  if (!drag || e.pointerId !== drag.id) return;
  drag.s.style.marginLeft = '';
  drag.s.classList.remove('hh-tl-drag');
  const moved = num(drag.s, drag.edge) !== drag.from;
  drag = null;
  scale();
  if (moved) send(true);
};
element.addEventListener('pointerup', drop);
element.addEventListener('pointercancel', drop);

element.addEventListener('keydown', (e) => {
  const handle = e.target.closest('.hh-tl-h');
  if (!handle) return;
  const s = handle.closest('.hh-tl-shot'), edge = handle.dataset.edge, fps = num(s, 'fps');
  const step = e.shiftKey ? Math.round(fps) : 1;
  const keys = {ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step, PageDown: -10 * Math.round(fps),
    PageUp: 10 * Math.round(fps)};
  // the viewer's arrows (previous/next clip) listen on the page: a handle's keys are the handle's alone
  if (e.key in keys) { e.preventDefault(); e.stopPropagation(); nudge(s, edge, keys[e.key]); return; }
  if (e.key === 'Home' || e.key === 'End') {
    e.preventDefault();
    e.stopPropagation();
    set(s, edge, e.key === 'Home' ? 0 : num(s, 'len'));
    pick(s, false);
    send(false);
  }
});

let held = null;  // what had the focus, to give it back when the server draws the timeline again
element.addEventListener('focusin', (e) => {
  const h = e.target.closest('.hh-tl-h, .hh-tl-pick, [data-nudge], .hh-tl-join select, .hh-tl-prev');
  if (h) held = {id: (h.closest('.hh-tl-shot') || {dataset: {}}).dataset.id, edge: h.dataset.edge, nudge: h.dataset.nudge,
    pick: h.classList.contains('hh-tl-pick'), after: (h.closest('.hh-tl-join') || {dataset: {}}).dataset.after,
    prev: h.classList.contains('hh-tl-prev')};
  const s = e.target.closest('.hh-tl-shot');
  if (s && sel !== s.dataset.id) pick(s, true);
});

element.addEventListener('click', (e) => {
  const v = e.target.closest('.hh-tl-prev');
  if (v) { e.preventDefault(); preview(v); return; }
  const n = e.target.closest('button[data-nudge]');
  if (n) { e.preventDefault(); nudge(chosen(), n.dataset.edge, Number(n.dataset.nudge)); return; }
  const p = e.target.closest('.hh-tl-pick');
  if (p) { e.preventDefault(); pick(p.closest('.hh-tl-shot'), true); return; }
  const b = e.target.closest('.hh-tl-moves button[data-act]');
  if (!b || b.disabled) return;
  e.preventDefault();
  const s = chosen();
  clearTimeout(timer);
  refocus = b.dataset.act === 'remove' ? null : b.dataset.act;
  trigger('click', {act: b.dataset.act, i: Number(s.dataset.i), plan: plan(), sel});
});

element.addEventListener('change', (e) => {
  if (e.target.matches('.hh-tl-join select')) { stale(); send(true); }
});
// The preview's playhead on the bar that marks its join (media events do not bubble: caught on the way down).
element.addEventListener('timeupdate', (e) => {
  const pv = e.target.closest && e.target.closest('.hh-tl-pv'), head = pv && pv.querySelector('.hh-tl-pv-head');
  if (head) head.style.left = `${Math.min(100, e.target.currentTime / Number(pv.dataset.len) * 100)}%`;
}, true);

// Drawn again by the server (an add, a move, a trim it corrected): lay the new timeline out, keep the choice
// (a shot just added is chosen), and keep it in view inside the strip (never scrolling the page).
let known = new Set();
function fresh() {
  const tl = element.querySelector('.hh-tl');
  if (!tl || tl === laid) return;
  laid = tl;
  const ids = shots().map((s) => s.dataset.id), added = ids.filter((id) => !known.has(id));
  if (known.size && added.length) sel = added[added.length - 1];
  if (!ids.includes(sel)) sel = ids[0] || null;
  known = new Set(ids);
  scale();
  inspect();
  if (held && !refocus && document.activeElement === document.body) {  // its element was drawn away
    const s = held.id && element.querySelector(`.hh-tl-shot[data-id="${held.id}"]`);
    const again = held.nudge ? element.querySelector(`[data-nudge="${held.nudge}"][data-edge=${held.edge}]`)
      : s && held.edge ? s.querySelector(`.hh-tl-h[data-edge=${held.edge}]`) : s && held.pick ? s.querySelector('.hh-tl-pick')
      : held.after && held.prev ? element.querySelector(`.hh-tl-prev[data-after="${held.after}"]`)
      : held.after ? element.querySelector(`.hh-tl-join[data-after="${held.after}"] select`) : null;
    if (again) again.focus({preventScroll: true});
  }
  if (refocus) {
    const b = element.querySelector(`.hh-tl-moves [data-act=${refocus}]`);
    if (b && !b.disabled) b.focus(); else if (chosen()) chosen().querySelector('.hh-tl-pick').focus();
    refocus = null;
  }
  const s = chosen();
  if (s && (s.offsetLeft < tl.scrollLeft || s.offsetLeft + s.offsetWidth > tl.scrollLeft + tl.clientWidth)) {
    tl.scrollLeft = s.offsetLeft - 12;
  }
  setTimeout(() => {  // the server's in and out frames: of this shot? (drawn in the same update, or asked for)
    const frames = document.querySelector('#hh-story-frames .hh-tl-frames'), now = chosen();
    if (now && frames && frames.dataset.i !== now.dataset.i) send(true);
  }, 60);
}
// A join's preview (or why there is none) as the server drew it: Gradio patches the board's HTML in place, so
// each answer is told apart by its data-drawn stamp, not by a new element. It ends the render the page waited
// for, marks its join on the timeline and brings both into view.
let previewed = '';
function shownPreview() {
  const pv = element.querySelector('.hh-tl-pv'), tl = element.querySelector('.hh-tl');
  const stamp = pv ? pv.dataset.drawn : '';
  if (stamp === previewed) return;
  previewed = stamp;
  clearTimeout(busy);
  busy = null;
  element.querySelectorAll('.hh-tl-prev').forEach((x) => { x.removeAttribute('aria-disabled'); x.removeAttribute('aria-busy'); });
  element.querySelectorAll('.hh-tl-join-on').forEach((j) => j.classList.remove('hh-tl-join-on'));
  if (pv && changes !== asked) outdated();  // the plan was edited while it rendered
  const join = pv && element.querySelector(`.hh-tl-join[data-after="${pv.dataset.after}"]`);
  if (!join || !tl) return;
  join.classList.add('hh-tl-join-on');
  scale();  // the patch took the shots' widths with their style: lay them out before measuring where the join is
  if (join.offsetLeft < tl.scrollLeft || join.offsetLeft + join.offsetWidth > tl.scrollLeft + tl.clientWidth) {
    tl.scrollLeft = join.offsetLeft - (tl.clientWidth - join.offsetWidth) / 2;
  }
  const box = pv.getBoundingClientRect();
  if (box.bottom > window.innerHeight || box.top < 0) pv.scrollIntoView({block: 'nearest'});
}
new MutationObserver(() => { fresh(); shownPreview(); }).observe(element, {childList: true, subtree: true,
  attributes: true, attributeFilter: ['data-drawn']});
new ResizeObserver(() => { if (!drag) scale(); }).observe(element);
fresh();
