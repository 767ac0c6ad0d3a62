// The viewer's body (studio.ui.detail, studio.ui.chain_actions): its buttons as events with the values the
// user set beside them. `click`: the viewer's own actions; `select`: those that fill a tab; `submit`: the
// storyboard. Delete asks first, here; the number of variations relabels its button here.
// The page's count of opens, sent with each: the server draws only the latest, whatever order they arrive in.
const nextOpen = (id) => { window.hhOpenWant = {id, at: performance.now()}; return (window.hhOpenSeq = (window.hhOpenSeq || 0) + 1); };
const SELECT = ['continue', 'to_first', 'to_slot', 'as_png', 'load', 'to_edit', 'trim_first'];
const money = (amount, test) => test ? `free here (≈ $${amount.toFixed(2)} on HappyHorse)` : `≈ $${amount.toFixed(2)}`;
const valueOf = (name) => {
  const checked = element.querySelector(`input[name=${name}]:checked`);
  if (checked) return checked.value;
  const field = element.querySelector(`[name=${name}]`);
  return field ? field.value : null;
};
element.addEventListener('click', (e) => {
  const link = e.target.closest('[data-open]');
  if (link) { e.preventDefault(); trigger('click', {act: 'open', id: link.dataset.open, seq: nextOpen(link.dataset.open)}); return; }
  const pick = e.target.closest('[data-pick]');
  if (pick) { e.preventDefault(); window.hhOpenWant = null; trigger('click', {act: 'pick', id: pick.dataset.pick}); return; }
  const all = e.target.closest('[data-act=all]');
  if (all) {  // the takes side by side, played together from the start
    const videos = [...element.querySelectorAll('#hh-takes video')];
    const playing = videos.some((v) => !v.paused);
    videos.forEach((v) => { v.currentTime = 0; playing ? v.pause() : v.play(); });
    return;
  }
  const b = e.target.closest('button[data-act]');
  if (!b || b.disabled) return;
  e.preventDefault();
  const act = b.dataset.act;
  window.hhOpenWant = null;  // an action on the open clip: the viewer shows what it answers (a take, a new clip)
  const confirm = element.querySelector('.hh-confirm');
  if (act === 'delete' || act === 'keep_it') {
    if (confirm) {
      confirm.hidden = act === 'keep_it';
      const focus = confirm.hidden ? element.querySelector('#hh-delete') : confirm.querySelector('button');
      if (focus) focus.focus();
    }
    return;
  }
  if (act === 'story') { trigger('submit', {act}); return; }
  const player = document.querySelector('#hh-player video') || document.querySelectorAll('#hh-player .hh-compare video')[1];
  const data = {act, at: player ? player.currentTime : null, which: valueOf('which'), slot: valueOf('slot'),
                trim_in: valueOf('trim_in'), trim_out: valueOf('trim_out'), count: Number(valueOf('count')) || 2};
  trigger(SELECT.includes(act) ? 'select' : 'click', data);
});
element.addEventListener('change', (e) => {
  if (e.target.name !== 'count') return;
  const b = element.querySelector('#hh-variations');
  const n = Number(e.target.value);
  if (b) b.textContent = `Make ${n} variations · ${money(parseFloat(b.dataset.quote) * n, b.dataset.test === '1')}`;
});
