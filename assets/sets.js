// Reference sets (gr.HTML js_on_load: element, trigger and server are Gradio's; studio.ui.reference_sets).
// Each button is sent as the box's click event with what the box shows: {act, name, set}. The answer redraws
// the box; the button pressed gets the focus back, so a keyboard user stays where they were.
const send = (act) => {
  const box = element.querySelector('.hh-sets');
  if (!box) return;
  const name = box.querySelector('[data-role=name]');
  const pick = box.querySelector('[data-role=set]');
  element.dataset.focus = act;
  trigger('click', {act, name: name ? name.value : '', set: pick ? pick.value : ''});
};
element.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-act]');
  if (!button || !element.contains(button)) return;
  e.preventDefault();
  send(button.dataset.act);
});
element.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && e.target.matches('[data-role=name]')) { e.preventDefault(); send('save'); }
});
// The picker lists the caller's own sets, asked when it gets focus (never redrawn under an open list).
element.addEventListener('focusin', async (e) => {
  const pick = e.target.closest('[data-role=set]');
  if (!pick || !server || !server.set_names) return;
  let names;
  try { names = await server.set_names(''); } catch (err) { return; }
  if (!Array.isArray(names)) return;
  const current = pick.value;
  const have = [...pick.options].slice(1).map((o) => o.value);
  if (have.length === names.length && have.every((n, i) => n === names[i])) return;
  while (pick.options.length > 1) pick.remove(1);
  names.forEach((n) => { const o = new Option(String(n), String(n)); pick.add(o); });
  pick.value = names.includes(current) ? current : '';
});
// Another set picked: Delete asks again (the server forgets the first press).
element.addEventListener('change', (e) => {
  if (!e.target.matches('[data-role=set]')) return;
  const del = element.querySelector('button[data-act=delete]');
  if (del) del.textContent = 'Delete this set…';
  trigger('click', {act: 'rearm'});
});
watch('value', () => {
  const act = element.dataset.focus;
  delete element.dataset.focus;
  const again = act && element.querySelector(`button[data-act="${act}"]`);
  if (again) again.focus();
});
