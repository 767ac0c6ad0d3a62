// The prompt builder (studio.ui.builder): built the first time it is opened, from the server's parts.
const details = element.querySelector('details.hh-builder');
const body = details.querySelector('.hh-builder-body');
const variant = details.dataset.variant;
const promptBox = () => document.querySelector('#' + details.dataset.prompt + ' textarea');
let built = false;
const make = (tag, attrs = {}, text = null) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text != null) el.textContent = text;
  return el;
};
const say = (words) => { const s = body.querySelector('.hh-bsay'); if (s) s.textContent = words; };

async function build() {
  if (built) return;
  built = true;
  let parts;
  try { parts = await server.builder_parts(variant); } catch (e) { built = false; say('The builder could not load: open it again.'); return; }
  const grid = make('div', {class: 'hh-bgrid'});
  for (const f of parts.fields) {
    const id = `hh-b-${variant}-${f.name}`;
    const label = make('label', {class: 'hh-bfield' + (f.name === 'speech' ? ' hh-bwide' : '')});
    label.append(make('span', {}, f.label));
    const input = make('input', {type: 'text', name: f.name, id, autocomplete: 'off'});
    if (f.placeholder) input.placeholder = f.placeholder;
    label.append(input);
    if (f.words.length) {  // words to pick from, and anything else may be typed
      const list = make('datalist', {id: id + '-words'});
      f.words.forEach((w) => list.append(make('option', {value: w})));
      input.setAttribute('list', list.id);
      label.append(list);
    }
    grid.append(label);
  }
  const row = make('div', {class: 'hh-brow'});
  row.append(make('button', {type: 'button', 'data-act': 'insert', class: 'hh-bbtn'}, 'Insert at cursor'),
             make('button', {type: 'button', 'data-act': 'append', class: 'hh-bbtn'}, 'Append to prompt'));
  const ex = make('div', {class: 'hh-brow'});
  const pick = make('label', {class: 'hh-bfield hh-bwide'});
  const select = make('select', {name: 'example'});
  select.append(make('option', {value: ''}, 'Pick an example…'));
  parts.examples.forEach(([title, text]) => select.append(make('option', {value: text}, title)));
  pick.append(make('span', {}, 'Example prompts'), select);
  ex.append(pick, make('button', {type: 'button', 'data-act': 'example', class: 'hh-bbtn'}, 'Add example to prompt'));
  body.append(grid, row, ex, make('p', {class: 'hh-bsay', role: 'status', 'aria-live': 'polite'}));
}

details.addEventListener('toggle', () => { if (details.open) build(); });
body.addEventListener('click', async (e) => {
  const button = e.target.closest('button[data-act]');
  if (!button) return;
  e.preventDefault();
  const box = promptBox();
  if (!box) return;
  const act = button.dataset.act;
  const values = {};
  body.querySelectorAll('.hh-bgrid input').forEach((i) => { values[i.name] = i.value; });
  const current = box.value;
  const at = act === 'insert' && box.selectionEnd > 0 ? box.selectionEnd : null;
  const example = act === 'example' ? body.querySelector('select[name=example]').value : null;
  button.disabled = true;
  try {
    const answer = await server.builder_insert({current, values, at, example});
    if (box.value === current && answer.prompt !== current) {  // typed since the click: never overwrite that
      box.value = answer.prompt;
      box.dispatchEvent(new Event('input', {bubbles: true}));
    }
    say(answer.said);
  } catch (err) {
    say('The builder could not add that just now: try again.');
  } finally {
    button.disabled = false;
  }
});

// The one-click chips above the builder (studio.ui.builder.chips_html): a camera move's words, or the name of
// a filled reference slot, written where the caret was in the prompt box (at the end if it was never there).
const caretOf = (box) => (box.dataset.hhCaret != null && box.dataset.hhCaret !== '' ?
  Math.min(Number(box.dataset.hhCaret), box.value.length) : null);
const watchCaret = (box) => {
  if (!box || box.dataset.hhCaretWatched) return;
  box.dataset.hhCaretWatched = '1';
  const keep = () => { box.dataset.hhCaret = String(box.selectionEnd); };
  ['keyup', 'mouseup', 'select', 'blur', 'input'].forEach((t) => box.addEventListener(t, keep));
};
const writeAt = (box, text, at) => {
  const where = at == null ? box.value.length : at;
  const before = box.value.slice(0, where), after = box.value.slice(where);
  const lead = before && !/\s$/.test(before) ? ' ' : '';
  const tail = after && !/^[\s,.;:!?]/.test(after) ? ' ' : '';
  box.value = before + lead + text + tail + after;
  const caret = (before + lead + text).length;
  box.dataset.hhCaret = String(caret);
  box.dispatchEvent(new Event('input', {bubbles: true}));
  box.focus();
  box.setSelectionRange(caret, caret);
};
const quick = element.querySelector('.hh-quick');
setTimeout(() => watchCaret(promptBox()), 0);
if (quick) {
  const cameraRow = quick.querySelector('[data-camera]');
  if (cameraRow) {
    cameraRow.dataset.camera.split('|').forEach((pair) => {
      const [name, words] = pair.split('=');
      cameraRow.append(make('button', {type: 'button', class: 'hh-chip', 'data-words': words,
                                       title: `Adds “${words}” at the cursor`}, name));
    });
  }
  quick.addEventListener('pointerdown', () => watchCaret(promptBox()));
  quick.addEventListener('click', async (e) => {
    const chip = e.target.closest('button.hh-chip');
    const box = promptBox();
    if (!chip || !box) return;
    e.preventDefault();
    watchCaret(box);
    if (chip.dataset.ref) { writeAt(box, chip.dataset.ref, caretOf(box)); return; }
    const current = box.value;
    chip.disabled = true;
    try {  // joined on the server as the builder joins it (a comma mid-sentence, no capital)
      const answer = await server.builder_insert({current, values: {camera: chip.dataset.words}, at: caretOf(box)});
      if (box.value === current && answer.prompt !== current) {
        box.value = answer.prompt;
        box.dispatchEvent(new Event('input', {bubbles: true}));
        box.dataset.hhCaret = '';
      }
    } finally { chip.disabled = false; }
  });
  // Reference to video: a chip per filled slot, redrawn as slots fill and empty.
  const refs = quick.querySelector('.hh-refchips');
  const panel = element.closest('[role="tabpanel"]');
  if (refs && panel) {
    const none = refs.querySelector('.hh-refnone');
    const draw = () => {
      const slots = [...panel.querySelectorAll('.hh-slot')];
      const filled = slots.map((s, i) => [i + 1, !!s.querySelector('img')]).filter(([, f]) => f).map(([n]) => n);
      const shown = [...refs.querySelectorAll('button.hh-chip')].map((b) => Number(b.dataset.n));
      if (filled.join() === shown.join()) return;
      refs.querySelectorAll('button.hh-chip').forEach((b) => b.remove());
      filled.forEach((n) => {
        const name = refs.dataset.token.replace('{n}', n);
        const b = make('button', {type: 'button', class: 'hh-chip', 'data-ref': name, 'data-n': String(n),
                                  title: `Adds “${name}” at the cursor: reference image ${n}`}, `Image ${n}`);
        refs.append(b);
      });
      none.hidden = filled.length > 0;
    };
    let queued = false;
    new MutationObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; draw(); });
    }).observe(panel, {childList: true, subtree: true});
    draw();
  }
}
