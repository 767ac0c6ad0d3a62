// The gallery's search and filters (gr.HTML js_on_load: element, trigger and server are Gradio's;
// studio.ui.filters). Native controls: Tab walks them without opening a list, and the server never redraws
// them, so typing is never interrupted. Each change goes as the box's `input` event with all five values;
// typing waits for a pause (or Enter) so a word is one request, not one per letter.
(() => {
  const field = (name) => element.querySelector(`[data-f="${name}"]`);
  const values = () => ({
    search: field('search').value, favourites: field('favourites').checked,
    variant: field('variant').value, state: field('state').value, backend: field('backend').value,
  });
  let last = JSON.stringify(values());
  let typing = null;
  // the page's count of changes (on window: one count however often this mounts): the server draws only the latest
  const send = () => {
    clearTimeout(typing);
    const now = values();
    if (JSON.stringify(now) === last) return;  // Enter after the pause already sent it, or nothing changed
    last = JSON.stringify(now);
    trigger('input', {...now, seq: (window.hhFilterSeq = (window.hhFilterSeq || 0) + 1)});
  };
  element.addEventListener('input', (e) => {
    if (e.target !== field('search')) return;
    clearTimeout(typing);
    typing = setTimeout(send, 250);
  });
  element.addEventListener('change', (e) => { if (e.target.matches('[data-f]')) send(); });
  element.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target === field('search')) { e.preventDefault(); send(); }
  });

  // The backend list is the caller's own backends and models: asked when the page opens and again whenever
  // the list is about to be used (a clip on a new model may have landed since).
  const fill = async () => {
    const pick = field('backend');
    let choices;
    try { choices = await server.backends(); } catch (err) { return; }
    if (!Array.isArray(choices) || !choices.length) return;
    const have = [...pick.options].map((o) => [o.textContent, o.value]);
    if (JSON.stringify(have) === JSON.stringify(choices)) return;
    const current = pick.value;
    pick.replaceChildren(...choices.map(([label, value]) => new Option(String(label), String(value))));
    pick.value = choices.some(([, value]) => value === current) ? current : '';
  };
  fill();
  field('backend').addEventListener('focus', fill);
})();
