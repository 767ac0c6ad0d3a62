// The first frame's facts and its Reframe chips (gr.HTML js_on_load: element, trigger and watch are Gradio's;
// studio.ui.reframe_view). A chip is sent as the box's click event with {ratio} or {anchor}, nothing else:
// the server finds the original itself. The box is redrawn by the answer (and again when the frame changes);
// the chip pressed gets the focus back each time, so a keyboard user stays where they were.
let again = null;  // the selector of the chip last pressed, while the focus has not gone elsewhere
element.addEventListener('click', (e) => {
  const chip = e.target.closest('button[data-ratio], button[data-anchor]');
  if (!chip || !element.contains(chip)) return;
  e.preventDefault();
  const [key, value] = chip.dataset.ratio ? ['ratio', chip.dataset.ratio] : ['anchor', chip.dataset.anchor];
  again = `button[data-${key}="${CSS.escape(value)}"]`;
  if (chip.getAttribute('aria-pressed') === 'true') return;
  element.querySelector('.hh-frame-facts')?.setAttribute('aria-busy', 'true');
  trigger('click', {[key]: value});
});
element.addEventListener('focusout', (e) => {
  if (e.relatedTarget && !element.contains(e.relatedTarget)) again = null;
});
watch('value', () => {
  const active = document.activeElement;
  if (!again || (active && active !== document.body && !element.contains(active))) return;
  const chip = element.querySelector(again);
  if (chip) chip.focus();
});
