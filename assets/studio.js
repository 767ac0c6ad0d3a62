() => {
  // Page-wide behaviour of HappyHorse Studio (passed to launch(js=...)).
  if (window.hhStudio) return;
  window.hhStudio = true;
  // A storyboard folded on the last visit is drawn folded, not open then folded (studio.ui.storyboard's SUMMARY_JS)
  try { if (localStorage.getItem('hh-story-folded') === '1') document.documentElement.setAttribute('data-hh-story-folded', ''); } catch (e) {}

  const clock = (s) => { s = Math.max(0, Math.floor(s)); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`; };
  const serverNow = (el) => {  // the server's clock, from the time it drew this element
    if (!el.dataset.drawn) el.dataset.drawn = String(Date.now() / 1000);
    return parseFloat(el.dataset.now) + (Date.now() / 1000 - parseFloat(el.dataset.drawn));
  };
  const ago = (s) => s < 45 ? 'just now' : s < 3600 ? `${Math.round(s / 60) || 1} min ago` : null;

  // Running jobs: elapsed time, time left and the expected-time bar move every second between redraws.
  setInterval(() => {
    document.querySelectorAll('.hh-elapsed[data-since]').forEach((el) => {
      el.textContent = clock(serverNow(el) - parseFloat(el.dataset.since));
    });
    document.querySelectorAll('.hh-left[data-expect]').forEach((el) => {
      const left = parseFloat(el.dataset.expect) - (serverNow(el) - parseFloat(el.dataset.since));
      el.textContent = left >= 1 ? `about ${clock(left)} left` : left > 0 ? 'almost done' : 'taking longer than usual';  // tiles.time_left
    });
    document.querySelectorAll('.hh-bar-expected[data-expect]').forEach((el) => {
      const share = (serverNow(el) - parseFloat(el.dataset.since)) / parseFloat(el.dataset.expect);
      const bar = el.querySelector('i');
      if (bar) bar.style.width = `${Math.min(95, share * 100).toFixed(0)}%`;
    });
    document.querySelectorAll('time[data-at]').forEach((el) => {
      const words = ago(serverNow(el) - parseFloat(el.dataset.at));
      if (words) el.textContent = words;
    });
  }, 1000);

  // The form takes no clicks until the saved draft is back, so the draft never lands over what was just
  // typed. The first view's first answer (studio.ui.first_view) carries a marker with the draft; <html> is
  // marked the moment it shows, not after the gallery. If it is slow, the form opens anyway after 6 s.
  const draftBack = () => {
    if (!document.querySelector('[data-hh-draft-back]')) return false;
    // the same answer's Markdown (the count, the quote) is drawn a frame later: mark <html> after it
    requestAnimationFrame(() => requestAnimationFrame(() => { document.documentElement.dataset.hhDraft = 'restored'; offerFresh(); }));
    return true;
  };
  // A prompt put back from the last visit says so under it, with a way to start from empty: opening the studio
  // in a new window, a creator typed on after the old prompt without noticing it (the draft is the account's).
  // The line goes once the prompt changes, typed or filled by the page (Load settings, a frame's Continue).
  let freshLines = [];
  const offerFresh = () => {
    document.querySelectorAll('.hh-promptbox textarea').forEach((box) => {
      const block = box.closest('.hh-promptbox');
      if (!box.value.trim() || block.querySelector('.hh-fresh')) return;
      const line = document.createElement('div');
      line.className = 'hh-fresh';
      line.innerHTML = '<span>Your draft from last time is back.</span> <button type="button">Clear the prompt</button>';
      block.appendChild(line);
      freshLines.push({line, box, value: box.value});
      box.addEventListener('input', () => line.remove(), {once: true});
      line.querySelector('button').addEventListener('click', () => {
        box.value = '';
        box.dispatchEvent(new Event('input', {bubbles: true}));  // Gradio's own listener: the draft is kept empty
        box.focus();
      });
    });
  };
  if (!draftBack()) {
    const watch = new MutationObserver(() => { if (draftBack()) watch.disconnect(); });
    watch.observe(document.documentElement, {childList: true, subtree: true});
  }
  setTimeout(() => { document.documentElement.dataset.hhDraft ||= 'late'; }, 6000);

  // On a phone the Generate bar is fixed at the foot of the screen (studio.css): the page keeps room below
  // the gallery as tall as the bar, so the last clips and "Show more" never sit under it.
  const keepRoom = () => {
    const bar = [...document.querySelectorAll('.hh-gobar')].find((b) => b.getClientRects().length);
    const room = bar && getComputedStyle(bar).position === 'fixed' ? bar.offsetHeight : 0;
    document.documentElement.style.setProperty('--hh-gobar-h', `${room}px`);
  };
  // On a wide screen the form column sticks beside the gallery (studio.css) and reaches down to the window's
  // foot wherever the page is scrolled, so its Generate bar sits there, not a header's height above it.
  const fitColumn = () => {
    const column = document.getElementById('hh-workbench');
    if (!column) return;
    const top = Math.max(8, column.getBoundingClientRect().top);
    document.documentElement.style.setProperty('--hh-column-h', `${Math.max(320, innerHeight - top - 8)}px`);
  };
  // Skip links: one first on the page and one after each Generate bar take the keyboard straight to the
  // gallery's first clip (without them it is dozens of Tabs from Generate). Shown only when focused.
  const skipLink = () => {
    const a = document.createElement('a');
    Object.assign(a, {href: '#hh-gallery', className: 'hh-skip', textContent: 'Skip to the gallery'});
    a.addEventListener('click', (e) => {
      const first = document.querySelector('#hh-gallery .hh-tile[data-id]') || document.getElementById('hh-gallery');
      if (!first) return;
      e.preventDefault();
      if (!first.hasAttribute('tabindex')) first.setAttribute('tabindex', '-1');
      first.scrollIntoView({block: 'center'});
      first.focus();
    });
    return a;
  };
  const addSkips = () => {
    if (!document.querySelector('body > .hh-skip')) document.body.prepend(skipLink());
    document.querySelectorAll('.hh-gobar').forEach((bar) => {
      if (!bar.querySelector(':scope > .hh-skip')) bar.appendChild(skipLink());
    });
  };
  // On a phone, down in the gallery, the fixed bar keeps only its buttons: the quote and the running list
  // speak of the form, and stood over the gallery in up to a fifth of the screen.
  const formAway = () => {
    const bar = [...document.querySelectorAll('.hh-gobar')].find((b) => b.getClientRects().length);
    const column = document.getElementById('hh-workbench');
    const away = !!bar && !!column && getComputedStyle(bar).position === 'fixed'
      && column.getBoundingClientRect().bottom < innerHeight * 0.35;
    if (away === document.documentElement.hasAttribute('data-hh-form-away')) return false;
    document.documentElement.toggleAttribute('data-hh-form-away', away);
    return true;  // the bar changed height: the page's room for it follows (keepRoom)
  };
  const staleFresh = () => {  // a restored prompt's line, once the page itself has changed the prompt
    freshLines = freshLines.filter(({line, box, value}) => {
      if (line.isConnected && box.value === value) return true;
      line.remove();
      return false;
    });
  };
  const fit = () => { formAway(); keepRoom(); fitColumn(); addSkips(); staleFresh(); };
  let fitting = false;
  addEventListener('scroll', () => {
    if (!fitting) { fitting = true; requestAnimationFrame(() => { fitting = false; fitColumn(); if (formAway()) keepRoom(); }); }
  }, {passive: true});
  setInterval(fit, 500);
  addEventListener('resize', fit);

  // The clip a tab just made plays right above its Generate bar (studio.css); when it arrives it is brought
  // into view there, unless the user is typing (the form never jumps under the caret).
  const shownClips = new WeakMap();
  const bringLatest = () => {
    document.querySelectorAll('#hh-workbench .hh-latest video').forEach((v) => {
      if (!v.src || shownClips.get(v) === v.src || v.offsetParent === null) return;
      shownClips.set(v, v.src);
      const busy = document.activeElement && document.activeElement.matches('textarea, input[type=text], input:not([type])');
      if (!busy) v.closest('.hh-latest').scrollIntoView({block: 'end', behavior: 'smooth'});
    });
  };
  new MutationObserver(bringLatest).observe(document.documentElement, {childList: true, subtree: true,
                                                                     attributes: true, attributeFilter: ['src']});

  // A running job beside Generate opens in the viewer, as its tile in the gallery does (a click or Enter).
  const openRun = (e) => {
    const row = e.target.closest && e.target.closest('.hh-runlist li[data-open]');
    if (!row || (e.type === 'keydown' && e.key !== 'Enter' && e.key !== ' ')) return;
    const tile = document.querySelector(`#hh-gallery .hh-tile[data-id="${CSS.escape(row.dataset.open)}"]`);
    if (!tile) return;
    e.preventDefault();
    tile.click();
  };
  document.addEventListener('click', openRun);
  document.addEventListener('keydown', openRun);

  // The prompt's length follows each keystroke here; the server's answer (studio.ui.form) writes the same words
  // a moment later, with the advice. The rule is studio.prompts.PromptBudget.label's (the browser test of the
  // counter compares the two on Latin, Chinese, mixed text and emoji).
  const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u{20000}-\u{2ebef}]/gu;
  const budget = window.hhPromptBudget = (text) => {
    const cjk = (text.match(CJK) || []).length;
    const other = [...text].length - cjk;
    const units = cjk * 2 + other;
    const words = cjk ? `${cjk} Chinese + ${other} other characters: ${units} / 5000 (Chinese counts double, 2500 max)`
      : `${other} / 5000 characters`;
    return words + (units > 5000 ? ' — too long' : '');
  };
  document.addEventListener('input', (e) => {
    const box = e.target.closest && e.target.closest('.hh-promptbox textarea');
    const counter = box && box.closest('[role=tabpanel]')?.querySelector('.hh-counter p');
    const words = counter && budget(box.value);
    if (counter && counter.textContent !== words) counter.textContent = words;
  });

  // Ctrl+Enter (Cmd+Enter) in a prompt presses that tab's Generate, when it can be pressed.
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || e.target.tagName !== 'TEXTAREA') return;
    const panel = e.target.closest('[role="tabpanel"]') || document;
    const button = [...panel.querySelectorAll('button.hh-generate')].find((b) => b.offsetParent !== null);
    if (button && !button.disabled) { e.preventDefault(); button.click(); }
  });

  // Upload boxes: a file of the wrong kind is named at once, instead of a silent box or a broken picture.
  const kindOf = (file) => {
    const ext = (file.name.split('.').pop() || '').toUpperCase();
    if (file.type.startsWith('image/')) return `a ${ext || 'picture'} image`;
    if (file.type.startsWith('video/')) return `a ${ext || ''} video`.replace('  ', ' ');
    return ext ? `a .${ext.toLowerCase()} file` : 'not a picture or a video';
  };
  const say = (block, text) => {
    let note = block.querySelector('.hh-drop-msg');
    if (!note) { note = document.createElement('div'); note.className = 'hh-drop-msg'; note.setAttribute('role', 'alert'); block.appendChild(note); }
    note.textContent = text;
    clearTimeout(note.hideTimer);
    note.hideTimer = setTimeout(() => note.remove(), 8000);
  };
  const boxOf = (target) => {
    const block = target.closest && target.closest('#hh-workbench .block');
    const input = block && block.querySelector('input[type=file]');
    if (!input) return null;
    const accept = input.getAttribute('accept') || '';
    return {block, input, wants: accept.includes('video') ? 'video' : accept.includes('image') ? 'image' : null};
  };
  const isEmptySlot = (slot) => !slot.querySelector('img') && slot.querySelector('input[type=file]');
  const put = (slot, file) => {
    const input = slot.querySelector('input[type=file]');
    const dt = new DataTransfer();
    dt.items.add(file);
    input.files = dt.files;
    input.dispatchEvent(new Event('change', {bubbles: true}));
  };
  document.addEventListener('drop', (e) => {
    const box = boxOf(e.target);
    const files = [...((e.dataTransfer && e.dataTransfer.files) || [])];
    if (!box || !box.wants || !files.length) return;
    const wrong = files.find((f) => !f.type.startsWith(box.wants + '/'));
    if (wrong) {
      e.preventDefault(); e.stopPropagation();
      say(box.block, box.wants === 'video'
        ? `That is ${kindOf(wrong)}: this box takes a video clip (MP4 or MOV, 3 to 60 s).`
        : `That is ${kindOf(wrong)}: this box takes a picture (JPEG, PNG, BMP or WEBP).`);
      return;
    }
    const slot = box.block.closest('.hh-slot') || (box.block.classList.contains('hh-slot') ? box.block : null);
    if (files.length > 1 && slot) {  // several images at once fill this slot and the empty ones after it
      e.preventDefault(); e.stopPropagation();
      const panel = slot.closest('[role="tabpanel"]') || document;
      const slots = [...panel.querySelectorAll('.hh-slot')];
      const free = slots.slice(slots.indexOf(slot)).filter(isEmptySlot);
      files.slice(0, free.length).forEach((f, i) => put(free[i], f));
      if (files.length > free.length) say(slot, `${files.length - free.length} image(s) did not fit: every slot after this one is full.`);
    }
  }, true);
  // A file of the wrong kind picked in the file dialog is named here in words, before Gradio's own
  // "Invalid file type: x. Only video/x-m4v,video/* allowed." (the event stops at the document).
  document.addEventListener('change', (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file') return;
    const box = boxOf(input);
    const files = [...(input.files || [])];
    if (!box || !box.wants || !files.length) return;
    const wrong = files.find((f) => !f.type.startsWith(box.wants + '/'));
    if (!wrong) return;
    e.stopPropagation();
    input.value = '';
    say(box.block, box.wants === 'video'
      ? `That is ${kindOf(wrong)}: this box takes a video clip (MP4 or MOV, 3 to 60 s).`
      : `That is ${kindOf(wrong)}: this box takes a picture (JPEG, PNG, BMP or WEBP).`);
  }, true);
  // A picture the browser cannot show (say, a text file renamed .png) never shows a broken image. The first
  // frame's own note says why (the server reads it); a reference slot has none, so it is said here.
  document.addEventListener('error', (e) => {
    const img = e.target;
    if (!(img instanceof HTMLImageElement)) return;
    const block = img.closest('#hh-workbench .block');
    if (!block) return;
    img.style.visibility = 'hidden';
    if (block.closest('.hh-slot') || block.classList.contains('hh-slot')) {
      say(block, 'This file is not a picture the studio can read: upload a JPEG, PNG, BMP or WEBP image.');
    }
  }, true);
}
