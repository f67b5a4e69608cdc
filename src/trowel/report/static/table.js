/* The report's tables: every <section class="dtable"> gets all its rows from data/table-<id>-<n>.js (loaded one
   part after the other; the first page shows as soon as the first part is in), and is sorted (click a heading),
   searched, filtered (state, kind, app, time range, deleted only) and paged over ALL its rows, offline.
   Static tables (class "records" without data files) are made sortable and searchable in place.
   Rows are built with createElement/textContent only (static/ui.js); evidence text never becomes markup. */
(function () {
  'use strict';
  var PAGE = 100;
  var UI = window.TROWEL_UI;
  var SEVERITY = { warning: 0, notice: 1, info: 2 };
  var tables = {};

  /* a part of a table (packed): rows [id, state, kind, app, time, badges, cells, source parts] */
  window.TROWEL_TABLE_ADD = function (tid, packed) {
    var t = tables[tid];
    if (!t) { return; }
    t.pending = UI.unpack(packed).then(function (rows) {
      for (var i = 0; i < rows.length; i++) { t.rows.push(rows[i]); }
    });
  };

  function q(root, cls) { return root.querySelector('.' + cls); }

  function sortKey(row, col) {
    if (col === 'id') { return Number(row[0]); }
    if (col === 'state') { return row[1]; }
    if (col === 'kind') { return row[2]; }
    if (col === 'app') { return row[3]; }
    var v = row[6][col];
    if (v === null || v === undefined) { return null; }
    if (typeof v === 'number') { return v; }
    return UI.cellText(v).toLowerCase();
  }

  function compare(a, b) {
    if (a === b) { return 0; }
    if (a === null) { return 1; }  /* empty cells last */
    if (b === null) { return -1; }
    if (typeof a === 'number' && typeof b === 'number') { return a - b; }
    var x = String(a), y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  function bound(input, end) {
    if (!input || !input.value) { return null; }
    var ms = window.TROWEL_ZONE.wallToUtc(input.value);
    if (isNaN(ms)) { return null; }
    var iso = new Date(ms).toISOString();
    return end ? iso.slice(0, 19) + '\uffff' : iso.slice(0, 19);  /* stored times: ...SS[.fraction]Z */
  }

  function Table(section) {
    this.el = section;
    this.tid = section.getAttribute('data-table');
    this.parts = Number(section.getAttribute('data-parts'));
    this.sensitive = section.getAttribute('data-sensitive') === 'true';
    this.rows = [];
    this.hay = null;
    this.view = [];
    this.page = 0;
    this.sortCol = null;
    this.sortDir = 1;
    this.body = section.querySelector('tbody');
    this.heads = Array.prototype.slice.call(section.querySelectorAll('th[data-col]'));
    this.cols = this.heads.map(function (th) { return th.getAttribute('data-col'); });
    this.severityCol = -1;
    var self = this;
    this.heads.forEach(function (th) {
      if (th.getAttribute('data-field') === 'severity') { self.severityCol = Number(th.getAttribute('data-col')); }
    });
    if (section.getAttribute('data-sort') === 'severity' && this.severityCol >= 0) {
      this.sortCol = 'severity';
    }
    tables[this.tid] = this;
  }

  Table.prototype.haystack = function () {
    if (this.hay === null || this.hay.length !== this.rows.length) {
      var hay = new Array(this.rows.length);
      for (var i = 0; i < this.rows.length; i++) {
        var r = this.rows[i];
        hay[i] = ('#' + r[0] + '\u0000' + r[1] + '\u0000' + r[2] + '\u0000' + r[3] + '\u0000' +
                  r[6].map(UI.cellText).join('\u0000') + '\u0000' + UI.partsText(r[7]) + '\u0000' +
                  (r[5] ? r[5].map(function (b) { return b[1]; }).join(' ') : '')).toLowerCase();
      }
      this.hay = hay;
    }
    return this.hay;
  };

  Table.prototype.filter = function (keepPage) {
    var el = this.el;
    var text = q(el, 'f-search').value.trim().toLowerCase();
    var state = q(el, 'f-state').value;
    var kind = q(el, 'f-kind') ? q(el, 'f-kind').value : '';
    var app = q(el, 'f-app') ? q(el, 'f-app').value : '';
    var from = bound(q(el, 'f-from'), false), to = bound(q(el, 'f-to'), true);
    var deleted = q(el, 'f-deleted').checked;
    var hay = text ? this.haystack() : null;
    var byId = /^#\d+$/.test(text) ? text.slice(1) : null;
    var out = [];
    for (var i = 0; i < this.rows.length; i++) {
      var r = this.rows[i];
      if (state && r[1] !== state) { continue; }
      if (deleted && r[1] === 'live') { continue; }
      if (kind && r[2] !== kind) { continue; }
      if (app && r[3] !== app) { continue; }
      if ((from !== null || to !== null) && !r[4]) { continue; }
      if (from !== null && r[4] < from) { continue; }
      if (to !== null && r[4] > to) { continue; }
      if (byId !== null) { if (String(r[0]) !== byId) { continue; } } else if (hay !== null && hay[i].indexOf(text) < 0) { continue; }
      out.push(i);
    }
    this.view = out;
    this.sort();
    if (keepPage !== true) { this.page = 0; }
    this.render();
  };

  Table.prototype.sort = function () {
    var col = this.sortCol, dir = this.sortDir, rows = this.rows, self = this;
    if (col === null) { return; }
    var keyed = this.view.map(function (i) {
      var key = col === 'severity' ? SEVERITY[UI.cellText(rows[i][6][self.severityCol])] : sortKey(rows[i], col);
      return [key === undefined ? 3 : key, i];
    });
    keyed.sort(function (a, b) { return compare(a[0], b[0]) * dir || a[1] - b[1]; });
    this.view = keyed.map(function (k) { return k[1]; });
  };

  Table.prototype.renderRow = function (r) {
    var tr = document.createElement('tr');
    tr.className = 'state-' + r[1] + (this.sensitive ? ' sensitive' : '');
    tr.setAttribute('data-record', String(r[0]));
    for (var c = 0; c < this.cols.length; c++) {
      var col = this.cols[c];
      var td = document.createElement('td');
      if (col === 'id') {
        td.className = 'num';
        var link = document.createElement('a');
        link.href = 'record.html#' + String(Number(r[0]));
        link.textContent = '#' + String(r[0]);
        td.appendChild(link);
        if (r[5]) {
          r[5].forEach(function (b) {
            td.appendChild(document.createTextNode(' '));
            var f = document.createElement('a');
            f.className = 'badge finding sev-' + b[0];
            f.href = 'record.html#' + String(Number(b[2]));
            f.title = 'finding (' + b[0] + ')';
            f.textContent = b[1];
            td.appendChild(f);
          });
        }
      } else if (col === 'state') {
        if (r[1] !== 'live') { td.appendChild(UI.badge(r[1], 'state-' + r[1])); } else { td.textContent = r[1]; }
      } else if (col === 'kind') {
        UI.value(td, r[2]);
      } else if (col === 'app') {
        UI.value(td, r[3]);
      } else if (col === 'source') {
        var src = document.createElement('a');
        src.className = 'src';
        src.href = 'record.html#' + String(Number(r[0]));
        UI.parts(src, r[7]);
        td.appendChild(src);
      } else {
        UI.cell(td, r[6][Number(col)]);
      }
      tr.appendChild(td);
    }
    return tr;
  };

  Table.prototype.render = function () {
    var pages = Math.max(1, Math.ceil(this.view.length / PAGE));
    if (this.page >= pages) { this.page = pages - 1; }
    if (this.page < 0) { this.page = 0; }
    var frag = document.createDocumentFragment();
    var start = this.page * PAGE;
    for (var j = start; j < Math.min(this.view.length, start + PAGE); j++) {
      frag.appendChild(this.renderRow(this.rows[this.view[j]]));
    }
    this.body.replaceChildren(frag);
    var el = this.el;
    q(el, 't-shown').textContent = String(this.view.length);
    q(el, 't-page').value = String(this.page + 1);
    q(el, 't-page').max = String(pages);
    q(el, 't-pages').textContent = String(pages);
    q(el, 't-first').disabled = q(el, 't-prev').disabled = this.page === 0;
    q(el, 't-next').disabled = q(el, 't-last').disabled = this.page >= pages - 1;
    var self = this;
    this.heads.forEach(function (th) {
      var col = th.getAttribute('data-col');
      var on = col === self.sortCol || (self.sortCol === 'severity' && Number(col) === self.severityCol);
      th.setAttribute('aria-sort', on ? (self.sortDir > 0 ? 'ascending' : 'descending') : 'none');
    });
  };

  Table.prototype.load = function (n) {
    var self = this;
    var loading = q(this.el, 't-loading');
    if (n >= this.parts) {
      loading.hidden = true;
      this.el.setAttribute('data-loaded', 'true');
      return;
    }
    loading.textContent = 'loading part ' + String(n + 1) + ' of ' + String(this.parts) + '…';
    var script = document.createElement('script');
    script.src = 'data/table-' + this.tid + '-' + String(n) + '.js';
    self.pending = null;
    script.onload = function () {
      var done = function () {
        self.hay = null;
        self.filter(n > 0);
        self.load(n + 1);
      };
      if (self.pending) {
        self.pending.then(done, function () { loading.textContent = 'The data file ' + script.src.split('/').pop() + ' cannot be read.'; });
      } else { done(); }
    };
    script.onerror = function () {
      loading.textContent = 'The data file ' + script.src.split('/').pop() + ' is missing.';
    };
    document.body.appendChild(script);
  };

  Table.prototype.wire = function () {
    var self = this, el = this.el;
    var refilter = function () { self.filter(false); };
    var timer = null;
    q(el, 'f-search').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(refilter, 150);
    });
    Array.prototype.forEach.call(el.querySelectorAll('select, input[type=datetime-local], input[type=checkbox]'),
      function (input) { input.addEventListener('change', refilter); });
    q(el, 'filters').addEventListener('submit', function (e) { e.preventDefault(); refilter(); });
    q(el, 'filters').addEventListener('reset', function () { setTimeout(refilter, 0); });
    q(el, 't-first').addEventListener('click', function () { self.page = 0; self.render(); });
    q(el, 't-prev').addEventListener('click', function () { self.page--; self.render(); });
    q(el, 't-next').addEventListener('click', function () { self.page++; self.render(); });
    q(el, 't-last').addEventListener('click', function () { self.page = Infinity; self.render(); });
    q(el, 't-page').addEventListener('change', function () {
      var n = parseInt(q(el, 't-page').value, 10);
      if (n >= 1) { self.page = n - 1; self.render(); }
    });
    this.heads.forEach(function (th) {
      if (!th.classList.contains('sortable')) { return; }
      th.tabIndex = 0;
      var go = function () {
        var col = th.getAttribute('data-col');
        if (self.sortCol === col) { self.sortDir = -self.sortDir; } else { self.sortCol = col; self.sortDir = 1; }
        self.sort();
        self.page = 0;
        self.render();
      };
      th.addEventListener('click', go);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { go(); } });
    });
    window.TROWEL_ZONE.onChange(function () { self.render(); });
    this.filter(false);
    this.load(0);
  };

  /* A static table (rendered in the page): sort by a click on a heading, search with a box above it. */
  function staticTable(table) {
    var body = table.tBodies[0];
    if (!body || !table.tHead) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var box = document.createElement('input');
    box.type = 'search';
    box.className = 'static-search';
    box.placeholder = 'search this table';
    table.parentNode.insertBefore(box, table);
    box.addEventListener('input', function () {
      var text = box.value.trim().toLowerCase();
      rows.forEach(function (tr) { tr.hidden = text !== '' && tr.textContent.toLowerCase().indexOf(text) < 0; });
    });
    var dir = {};
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, c) {
      th.classList.add('sortable');
      th.tabIndex = 0;
      var go = function () {
        dir[c] = -(dir[c] || -1);
        var keyed = rows.map(function (tr, i) {
          var text = tr.cells[c] ? tr.cells[c].textContent.trim() : '';
          var n = Number(text);
          return [text !== '' && !isNaN(n) ? n : text.toLowerCase(), i, tr];
        });
        keyed.sort(function (a, b) { return compare(a[0], b[0]) * dir[c] || a[1] - b[1]; });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (k) { frag.appendChild(k[2]); });
        body.appendChild(frag);
      };
      th.addEventListener('click', go);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { go(); } });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('section.dtable'), function (s) { new Table(s).wire(); });
    Array.prototype.forEach.call(document.querySelectorAll('table.records:not(.data)'), staticTable);
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', init); } else { init(); }
})();
