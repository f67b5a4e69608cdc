/* The timeline view: filters, search and pagination over the rows of data/timeline-<n>.js (loaded one part
   after the other; the first page shows as soon as the first part is in), with the lookup tables of
   data/timeline.js. Rows are built with createElement/textContent only; evidence text never becomes markup. */
(function () {
  'use strict';
  var PAGE = 100;
  var D = window.TROWEL_TIMELINE;
  var UI = window.TROWEL_UI;
  var $ = function (id) { return document.getElementById(id); };
  var loading = $('tl-loading');
  if (!D || !D.desc) {
    loading.textContent = 'The timeline data file (data/timeline.js) is missing.';
    return;
  }
  var rows = [];  /* [utc, desc, kind, app, state, message, recordId, source] */
  var pending = null;
  window.TROWEL_TIMELINE_ADD = function (packed) {
    pending = UI.unpack(packed).then(function (part) {
      for (var i = 0; i < part.length; i++) { rows.push(part[i]); }
    });
  };
  var hay = null;
  var filtered = [];
  var page = 0;

  function fill(select, values) {
    values.forEach(function (v, i) {
      if (v === '') { return; }
      var opt = document.createElement('option');
      opt.value = String(i);
      opt.textContent = v;
      select.appendChild(opt);
    });
  }

  /* The search text of every row, extended as each part arrives (so a search only scans). */
  function haystack() {
    if (hay === null) { hay = []; }
    for (var i = hay.length; i < rows.length; i++) {
      var r = rows[i];
      hay.push((UI.partsText(r[5]) + '\u0000' + UI.partsText(r[7]) + '\u0000' + (r[6] === null ? '' : '#' + r[6]) +
                '\u0000' + D.desc[r[1]]).toLowerCase());
    }
    return hay;
  }

  function bound(id, end) {
    var value = $(id).value;
    if (!value) { return null; }
    var ms = window.TROWEL_ZONE.wallToUtc(value);
    if (isNaN(ms)) { return null; }
    var iso = new Date(ms).toISOString();  /* YYYY-MM-DDTHH:MM:SS.mmmZ */
    return end ? iso.slice(0, 19) + '.999999Z' : iso.slice(0, 23) + '000Z';
  }

  function applyFilters(keepPage) {
    var q = $('f-search').value.trim().toLowerCase();
    var kind = $('f-kind').value, app = $('f-app').value, state = $('f-state').value;
    var from = bound('f-from', false), to = bound('f-to', true);
    var k = kind === '' ? -1 : +kind, a = app === '' ? -1 : +app, s = state === '' ? -1 : +state;
    var h = q ? haystack() : null;
    var deletedOnly = $('f-deleted').checked;
    filtered = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (deletedOnly && D.state[r[4]] === 'live') { continue; }
      if (k >= 0 && r[2] !== k) { continue; }
      if (a >= 0 && r[3] !== a) { continue; }
      if (s >= 0 && r[4] !== s) { continue; }
      if (from !== null && r[0] < from) { continue; }
      if (to !== null && r[0] > to) { continue; }
      if (h !== null && h[i].indexOf(q) < 0) { continue; }
      filtered.push(i);
    }
    sortRows();
    if (keepPage !== true) { page = 0; }
    render();
  }

  /* Sorting by a column heading (time order is the order of the data; ties keep it). */
  var sortCol = null, sortDir = 1;
  var KEYS = {
    time: function (r) { return r[0]; },
    what: function (r) { return UI.partsText(r[5]).toLowerCase(); },
    kind: function (r) { return D.kind[r[2]]; },
    app: function (r) { return D.app[r[3]]; },
    state: function (r) { return D.state[r[4]]; },
    event: function (r) { return D.desc[r[1]]; },
    source: function (r) { return UI.partsText(r[7]).toLowerCase(); }
  };

  function sortRows() {
    if (sortCol === null) { return; }
    var key = KEYS[sortCol];
    var keyed = filtered.map(function (i) { return [key(rows[i]), i]; });
    keyed.sort(function (a, b) { return (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) * sortDir || a[1] - b[1]; });
    filtered = keyed.map(function (x) { return x[1]; });
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    if (text !== '') { UI.value(td, text); }
    if (cls) { td.className = cls; }
    tr.appendChild(td);
    return td;
  }

  function render() {
    var body = $('tl-body');
    var pages = Math.max(1, Math.ceil(filtered.length / PAGE));
    if (page >= pages) { page = pages - 1; }
    var frag = document.createDocumentFragment();
    var start = page * PAGE;
    for (var j = start; j < Math.min(filtered.length, start + PAGE); j++) {
      var r = rows[filtered[j]];
      var tr = document.createElement('tr');
      tr.className = 'state-' + D.state[r[4]];
      var t = cell(tr, window.TROWEL_ZONE.format(r[0]), 'time');
      t.title = 'UTC ' + r[0];
      cell(tr, r[0], 'utc');
      var what = cell(tr, '', 'what');
      UI.parts(what, r[5]);
      var flags = r[6] !== null && r[6] !== undefined && window.TROWEL_BADGES ? window.TROWEL_BADGES[String(r[6])] : null;
      if (flags) {
        flags.forEach(function (b) {
          var f = document.createElement('a');
          f.className = 'badge finding sev-' + b[0];
          f.href = 'record.html#' + String(Number(b[2]));
          f.title = 'finding (' + b[0] + ')';
          f.textContent = b[1];
          what.appendChild(document.createTextNode(' '));
          what.appendChild(f);
        });
      }
      cell(tr, D.kind[r[2]]);
      cell(tr, D.app[r[3]]);
      cell(tr, D.state[r[4]]);
      cell(tr, D.desc[r[1]]);
      var src = cell(tr, '', 'source');
      if (r[6] !== null && r[6] !== undefined) {
        var link = document.createElement('a');
        link.href = 'record.html#' + String(Number(r[6]));
        link.className = 'src';
        UI.parts(link, r[7]);
        src.appendChild(link);
      } else {
        UI.parts(src, r[7]);
      }
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
    $('tl-shown').textContent = String(filtered.length);
    $('tl-page').textContent = String(page + 1);
    $('tl-pages').textContent = String(pages);
    $('tl-prev').disabled = page === 0;
    $('tl-next').disabled = page >= pages - 1;
  }

  function loadPart(n) {
    if (n >= D.parts) {
      loading.hidden = true;
      return;
    }
    loading.textContent = 'Loading the timeline… part ' + String(n + 1) + ' of ' + String(D.parts);
    var script = document.createElement('script');
    script.src = 'data/timeline-' + String(n) + '.js';
    pending = null;
    script.onload = function () {
      var done = function () {
        applyFilters(n > 0);
        haystack();  /* after the page is drawn: the search text of this part's rows */
        loadPart(n + 1);
      };
      if (pending) {
        pending.then(done, function () { loading.textContent = 'The timeline data file data/timeline-' + String(n) + '.js cannot be read.'; });
      } else { done(); }
    };
    script.onerror = function () {
      loading.textContent = 'The timeline data file data/timeline-' + String(n) + '.js is missing.';
    };
    document.body.appendChild(script);
  }

  var refilter = function () { applyFilters(false); };
  fill($('f-kind'), D.kind);
  fill($('f-app'), D.app);
  fill($('f-state'), D.state);
  $('tl-total').textContent = String(D.total);
  var timer = null;
  $('f-search').addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(refilter, 150);
  });
  ['f-kind', 'f-app', 'f-state', 'f-from', 'f-to', 'f-deleted'].forEach(function (id) {
    $(id).addEventListener('change', refilter);
  });
  $('filters').addEventListener('submit', function (e) { e.preventDefault(); refilter(); });
  $('f-reset').addEventListener('click', function () {
    $('filters').reset();
    refilter();
  });
  Array.prototype.forEach.call(document.querySelectorAll('#timeline th[data-col]'), function (th) {
    th.classList.add('sortable');
    th.tabIndex = 0;
    var go = function () {
      var col = th.getAttribute('data-col');
      if (sortCol === col) { sortDir = -sortDir; } else { sortCol = col; sortDir = 1; }
      document.querySelectorAll('#timeline th[data-col]').forEach(function (h) {
        h.setAttribute('aria-sort', h === th ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
      });
      sortRows();
      page = 0;
      render();
    };
    th.addEventListener('click', go);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { go(); } });
  });
  $('tl-prev').addEventListener('click', function () { if (page > 0) { page--; render(); } });
  $('tl-next').addEventListener('click', function () { page++; render(); });
  window.TROWEL_ZONE.onChange(refilter);
  applyFilters(false);
  loadPart(0);
})();
