/* A chat page's thread, built from data/chat-<page>.js (window.TROWEL_CHAT: rows of trowel.report.thread)
   with createElement/textContent only: sender, time, kind, state and finding badges, text, attachments,
   delivered/read ticks, confidence, and the link to the record view (where the bytes came from). */
(function () {
  'use strict';
  var UI = window.TROWEL_UI;
  var D = window.TROWEL_CHAT;
  var list = document.getElementById('thread');
  if (!D || !list) {
    if (list) { list.textContent = 'The data file of this chat page is missing.'; }
    return;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function message(r) {
    var id = String(Number(r[0])), dir = r[1], state = r[2];
    var li = el('li', 'msg dir-' + (dir || '') + ' state-' + (state || ''));
    li.id = 'm' + id;
    li.setAttribute('data-record', id);
    var meta = el('div', 'meta');
    var name = r[4], sender = r[5];
    if (dir !== 'outgoing' && (name || sender)) {
      var who = el('span', 'sender');
      UI.value(who, name || sender);
      if (name && sender) {
        var sub = el('span', 'sub');
        UI.value(sub, sender);
        who.appendChild(document.createTextNode(' '));
        who.appendChild(sub);
      }
      meta.appendChild(who);
    }
    if (dir === 'outgoing') { meta.appendChild(el('span', 'sender', 'sent')); }
    if (r[6]) { UI.cell(meta, r[6]); }
    if (r[7] && r[7] !== 'text') {
      var k = el('span', 'badge');
      UI.value(k, r[7]);
      meta.appendChild(k);
    }
    if (state !== 'live') {
      meta.appendChild(el('span', 'badge state-' + state, state + (r[3] ? ' · ' + r[3] : '')));
    }
    if (r[15]) {
      r[15].forEach(function (b) {
        var f = el('a', 'badge finding sev-' + b[0], b[1]);
        f.href = 'record.html#' + String(Number(b[2]));
        f.title = 'finding (' + b[0] + ')';
        meta.appendChild(f);
      });
    }
    li.appendChild(meta);
    if (r[8] !== null && r[8] !== undefined) {
      var text = el('div', 'text');
      if (typeof r[8] === 'string') { UI.value(text, r[8]); } else { UI.cell(text, r[8]); }
      li.appendChild(text);
    }
    r[9].forEach(function (a) { li.appendChild(UI.attachment(a)); });
    var foot = el('div', 'foot');
    if (r[10]) { foot.appendChild(el('span', 'tick', '✓ delivered')).title = 'delivered'; } else if (r[10] === false) {
      foot.appendChild(el('span', 'tick no', 'not delivered'));
    }
    if (r[11]) { foot.appendChild(el('span', 'tick', '✓✓ read')).title = 'read'; } else if (r[11] === false) {
      foot.appendChild(el('span', 'tick no', 'unread'));
    }
    if (r[12] !== null && r[12] !== undefined) { foot.appendChild(el('span', 'conf', 'confidence ' + String(r[12]))); }
    var src = el('a', 'src');
    src.href = 'record.html#' + id;
    src.title = 'show this record and where it came from';
    UI.parts(src, D.prefixes[r[13]].concat(r[14]));
    foot.appendChild(src);
    li.appendChild(foot);
    return li;
  }

  var frag = document.createDocumentFragment();
  D.rows.forEach(function (r) { frag.appendChild(message(r)); });
  list.replaceChildren(frag);
  list.setAttribute('data-loaded', 'true');
  if (window.location.hash) {
    var target = document.getElementById(window.location.hash.slice(1));
    if (target) { target.scrollIntoView(); target.classList.add('target'); }
  }
})();
