/* One record with everything about where it came from, loaded from data/records-<n>.js (and what the report
   knows beside it from data/extra-<n>.js: findings, conversation page, other copies of the row, related
   records, the page image for the hex view) by the id in the URL fragment. Every field is cleared before a
   record is shown, so nothing of a previous record stays. All evidence values are written with textContent. */
(function () {
  'use strict';
  var F = window.TROWEL_FILES || { files: {}, evidence: {}, chunk: 2000 };
  var CHAT = window.TROWEL_CHAT_PAGES || [];
  var UI = window.TROWEL_UI;
  var $ = function (id) { return document.getElementById(id); };
  var records = {}, extras = {};
  var pending = null, pagePending = null;
  window.TROWEL_PAGE_ADD = function (key, packed) { pagePending = UI.inflate(packed); };
  window.TROWEL_RECORDS_ADD = function (packed) { pending = window.TROWEL_UI.unpack(packed); };
  var current = null;

  function isTime(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v) && 'format' in v && 'raw' in v && 'utc' in v;
  }

  function show(v) {
    if (v === null || v === undefined) { return '—'; }
    if (isTime(v)) {
      var text = v.utc ? window.TROWEL_ZONE.format(v.utc) + '  (UTC ' + v.utc + ')' : 'not decoded';
      return text + '  raw ' + JSON.stringify(v.raw) + ' as ' + v.format + (v.error ? ' — ' + v.error : '');
    }
    if (typeof v === 'boolean') { return v ? 'yes' : 'no'; }
    if (typeof v === 'object') { return JSON.stringify(v); }
    return String(v);
  }

  function nsText(ns) {
    if (ns === null || ns === undefined) { return null; }
    var ms = Math.floor(Number(ns) / 1e6);
    var iso = new Date(ms).toISOString().slice(0, 19);
    var frac = String(ns).slice(-9).padStart(9, '0').slice(0, 6);
    var utc = iso + '.' + frac + 'Z';
    return window.TROWEL_ZONE.format(utc) + '  (UTC ' + utc + ')';
  }

  /* A field's value: times, lists as tags, objects as key/value tags, each piece of evidence in its own isolate. */
  function valueInto(parent, v, depth) {
    if (v === null || v === undefined || typeof v !== 'object' || isTime(v) || depth > 3) {
      UI.value(parent, typeof v === 'string' ? v : show(v));
      return;
    }
    var keys = Array.isArray(v) ? null : Object.keys(v);
    if ((keys || v).length === 0) { UI.value(parent, keys ? '{}' : '[]'); return; }
    (keys || v).forEach(function (item) {
      var tag = document.createElement('span');
      tag.className = keys ? 'tag kv' : 'tag';
      if (keys) {
        var k = document.createElement('span');
        k.className = 'k';
        UI.value(k, item);
        tag.appendChild(k);
        tag.appendChild(document.createTextNode(' '));
        valueInto(tag, v[item], depth + 1);
      } else {
        valueInto(tag, item, depth + 1);
      }
      parent.appendChild(tag);
    });
  }

  function table(id, pairs) {
    var frag = document.createDocumentFragment();
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === '') { return; }
      var tr = document.createElement('tr');
      tr.setAttribute('data-field', p[0]);
      var th = document.createElement('th');
      UI.value(th, p[0]);  /* field names can come from the evidence (generic rows, other tools) */
      var td = document.createElement('td');
      valueInto(td, p[1], 0);
      tr.appendChild(th);
      tr.appendChild(td);
      frag.appendChild(tr);
    });
    $(id).tBodies[0].replaceChildren(frag);
  }

  function link(href, text, cls) {
    var a = document.createElement('a');
    a.href = href;
    if (cls) { a.className = cls; }
    a.textContent = text;
    return a;
  }

  function item(list, label, nodes) {
    var li = document.createElement('li');
    li.appendChild(document.createTextNode(label));
    nodes.forEach(function (n, i) {
      if (i) { li.appendChild(document.createTextNode(', ')); }
      li.appendChild(n);
    });
    list.appendChild(li);
    return li;
  }

  function clear() {
    ['rec-source-table', 'rec-file-table', 'rec-fields'].forEach(function (id) { $(id).tBodies[0].replaceChildren(); });
    ['rec-findings-list', 'rec-links-list', 'rec-hex', 'rec-kind', 'rec-media-list'].forEach(function (id) { $(id).replaceChildren(); });
    $('rec-json').textContent = '';
    $('rec-hex-note').textContent = '';
    $('rec-findings').hidden = true;
    $('rec-media').hidden = true;
  }

  function drawHex(raw, h, box) {
    var frag = document.createDocumentFragment();
    var startEl = null;
    for (var row = 0; row < raw.length; row += 16) {
      var line = document.createElement('div');
      line.className = 'hex-row';
      line.setAttribute('data-offset', String(row));
      var off = document.createElement('span');
      off.className = 'row-off';
      off.textContent = row.toString(16).padStart(6, '0') + '  ';
      line.appendChild(off);
      var text = '';
      for (var i = row; i < row + 16 && i < raw.length; i++) {
        var code = raw[i];
        var b = document.createElement('span');
        b.textContent = code.toString(16).padStart(2, '0');
        if (i >= h.start && i < h.start + h.length) { b.className = i === h.start ? 'cell start' : 'cell'; }
        if (i === h.start) { startEl = line; }
        line.appendChild(b);
        line.appendChild(document.createTextNode(i % 16 === 7 ? '  ' : ' '));
        text += code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.';
      }
      var ascii = document.createElement('span');
      ascii.className = 'ascii';
      ascii.textContent = ' ' + text;
      line.appendChild(ascii);
      frag.appendChild(line);
    }
    box.replaceChildren(frag);
    if (startEl) { box.scrollTop = Math.max(0, startEl.offsetTop - 60); }  /* rows are placed relative to the box */
  }

  function hexView(ex, rec) {
    var note = $('rec-hex-note'), box = $('rec-hex');
    var src = rec.source || {};
    if (!ex || !ex.hex) {
      note.textContent = src.page !== undefined && src.page !== null
        ? 'The page this record came from was not kept in the case folder (see the action log).'
        : 'This record was read through its table (a live row) or from a whole file: it names no page and offset, so there are no bytes to show here.';
      return;
    }
    var h = ex.hex;
    note.textContent = 'Page ' + String(h.page_no) + (h.frame !== null && h.frame !== undefined ? ' (WAL frame ' + String(h.frame) + ')' : '') +
      ' of the file, ' + String(h.size) + ' bytes; the record starts at offset ' + String(h.start) + ' (0x' + h.start.toString(16) +
      ') and takes ' + String(h.length) + ' bytes: ' + h.how + '.';
    var script = document.createElement('script');
    script.src = 'data/page-' + String(Number(h.page)) + '.js';
    pagePending = null;
    script.onload = function () {
      if (!pagePending) { return; }
      pagePending.then(function (raw) { if (current === rec) { drawHex(raw, h, box); } });
    };
    script.onerror = function () { note.textContent += ' (its data file is missing)'; };
    document.body.appendChild(script);
  }

  function related(rec, ex, id) {
    var list = $('rec-links-list');
    var chunk = Math.floor(id / (F.chunk || 2000));
    var chat = extras[chunk] && extras[chunk].chat ? extras[chunk].chat[id % (F.chunk || 2000)] : -1;
    if (chat !== undefined && chat >= 0 && CHAT[chat]) {
      item(list, 'Shown in its conversation: ', [link(CHAT[chat] + '#m' + String(id), CHAT[chat], 'chat-link')]);
    }
    if (ex && ex.copies) {
      item(list, 'Other copies of the same row (same kind, file, table and rowid)' +
           (ex.copies_total ? ' (the first ' + String(ex.copies.length) + ' of ' + String(ex.copies_total) + ')' : '') + ': ',
           ex.copies.map(function (c) { return link('#' + String(Number(c)), '#' + String(c), 'copy-link'); }));
    }
    if (ex && ex.same_row) {
      item(list, 'Other records read from the same row: ',
           ex.same_row.map(function (c) { return link('#' + String(Number(c)), '#' + String(c), 'row-link'); }));
    }
    if (ex && ex.related) {
      item(list, 'Records this finding concerns: ',
           ex.related.map(function (c) { return link('#' + String(Number(c)), '#' + String(c), 'related-link'); }));
    }
    if (!list.children.length) { item(list, 'No conversation, copies or related records.', []); }
    if (ex && ex.findings) {
      $('rec-findings').hidden = false;
      ex.findings.forEach(function (b) {
        var a = link('#' + String(Number(b[2])), b[1], 'badge finding sev-' + b[0]);
        item($('rec-findings-list'), b[0] + ': ', [a]);
      });
    }
  }

  function render(id) {
    clear();
    var chunk = Math.floor(id / (F.chunk || 2000));
    var rec = records[chunk] ? records[chunk][String(id)] : undefined;
    current = rec || null;
    $('rec-id').textContent = id >= 0 ? String(id) : '';
    $('rec-missing').hidden = !!rec;
    $('rec-body').hidden = !rec;
    if (!rec) { return; }
    $('rec-kind').textContent = String(rec.kind) + (rec.state && rec.state !== 'live' ? ' (' + rec.state + ')' : '');
    var ex = extras[chunk] && extras[chunk].items ? extras[chunk].items[String(id)] : undefined;
    var src = rec.source || {};
    var ev = F.evidence[src.evidence] || {};
    table('rec-source-table', [
      ['kind', rec.kind], ['state', rec.state], ['confidence', String(rec.confidence)],
      ['evidence', src.evidence + (ev.label ? ' — ' + ev.label : '')],
      ['evidence SHA-256 before', ev.sha256_before], ['evidence SHA-256 after', ev.sha256_after],
      ['path', src.path], ['table', src.table], ['rowid', src.rowid === undefined ? null : String(src.rowid)],
      ['page', src.page === undefined ? null : String(src.page)],
      ['offset', src.offset === undefined ? null : String(src.offset)], ['region', src.region],
      ['WAL frame', src.frame === undefined ? null : String(src.frame)], ['detail', src.detail]
    ]);
    var file = F.files[src.evidence + ':' + src.path];
    if (file) {
      table('rec-file-table', [
        ['path', src.path], ['SHA-256', file.sha256], ['size', String(file.size)],
        ['deleted', file.deleted ? 'yes' : 'no'], ['modified', nsText(file.mtime_ns)],
        ['accessed', nsText(file.atime_ns)], ['changed', nsText(file.ctime_ns)], ['created', nsText(file.crtime_ns)],
        ['package', file.package], ['Android user', file.user === null ? null : String(file.user)]
      ]);
    } else {
      table('rec-file-table', [['path', src.path], ['inventory', 'not in the file inventory']]);
    }
    var pairs = [];
    Object.keys(rec).forEach(function (k) {
      if (k !== 'source' && k !== 'resolved') { pairs.push([k, rec[k] === null ? '—' : rec[k]]); }
    });
    table('rec-fields', pairs);
    /* bidirectional controls as JSON escapes (the same JSON), so none can reorder the lines around it */
    $('rec-json').textContent = JSON.stringify(rec, null, 2).replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/g,
      function (c) { return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'); });
    related(rec, ex, id);
    if (ex && ex.media) {
      $('rec-media').hidden = false;
      ex.media.forEach(function (a) { $('rec-media-list').appendChild(UI.attachment(a)); });
    }
    hexView(ex, rec);
  }

  function loadScript(src, done) {
    var script = document.createElement('script');
    script.src = src;
    script.onload = function () { done(true); };
    script.onerror = function () { done(false); };
    document.body.appendChild(script);
  }

  function load() {
    var text = window.location.hash.slice(1);
    var id = /^\d+$/.test(text) ? parseInt(text, 10) : -1;
    if (id < 0) { render(-1); return; }
    var chunk = Math.floor(id / (F.chunk || 2000));
    if (records[chunk] !== undefined) { render(id); return; }
    if (F.chunks && F.chunks.indexOf(chunk) < 0) { records[chunk] = {}; extras[chunk] = {}; render(id); return; }
    pending = null;
    window.TROWEL_EXTRA = undefined;
    loadScript('data/records-' + String(chunk) + '.js', function (ok) {
      var got = ok && pending ? pending : Promise.resolve({});
      got.catch(function () { return {}; }).then(function (value) {
        records[chunk] = value || {};
        loadScript('data/extra-' + String(chunk) + '.js', function (found) {
          extras[chunk] = found && window.TROWEL_EXTRA ? window.TROWEL_EXTRA : {};
          if (window.location.hash.slice(1) === text) { render(id); } else { load(); }
        });
      });
    });
  }

  window.addEventListener('hashchange', load);
  window.TROWEL_ZONE.onChange(function () { load(); });
  load();
})();
