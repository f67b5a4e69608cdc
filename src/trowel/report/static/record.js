/* One record with everything about where it came from, loaded from data/records-<n>.js by the id in the
   URL fragment. All evidence values are written with textContent. */
(function () {
  'use strict';
  var F = window.TROWEL_FILES || { files: {}, evidence: {}, chunk: 2000 };
  var $ = function (id) { return document.getElementById(id); };
  var loaded = {};

  function isTime(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v) && 'format' in v && 'raw' in v && 'utc' in v;
  }

  function show(v) {
    if (v === null || v === undefined) { return '—'; }
    if (isTime(v)) {
      var text = v.utc ? window.TROWEL_ZONE.format(v.utc) + '  (UTC ' + v.utc + ')' : 'not decoded';
      return text + '  raw ' + JSON.stringify(v.raw) + ' as ' + v.format + (v.error ? ' — ' + v.error : '');
    }
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

  function table(id, pairs) {
    var body = $(id).tBodies[0];
    var frag = document.createDocumentFragment();
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === '') { return; }
      var tr = document.createElement('tr');
      tr.setAttribute('data-field', p[0]);
      var th = document.createElement('th');
      th.textContent = p[0];
      var td = document.createElement('td');
      var bdi = document.createElement('bdi');
      bdi.textContent = typeof p[1] === 'string' ? p[1] : show(p[1]);
      td.appendChild(bdi);
      tr.appendChild(th);
      tr.appendChild(td);
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
  }

  function render(id) {
    var rec = window.TROWEL_RECORDS ? window.TROWEL_RECORDS[String(id)] : undefined;
    $('rec-id').textContent = String(id);
    $('rec-missing').hidden = !!rec;
    $('rec-source').hidden = !rec;
    if (!rec) { return; }
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
      if (k !== 'source' && k !== 'resolved') { pairs.push([k, show(rec[k])]); }
    });
    table('rec-fields', pairs);
    $('rec-json').textContent = JSON.stringify(rec, null, 2);
  }

  function load() {
    var id = parseInt(window.location.hash.slice(1), 10);
    if (!(id >= 0)) { render(-1); return; }
    var chunk = Math.floor(id / (F.chunk || 2000));
    if (loaded[chunk]) { window.TROWEL_RECORDS = loaded[chunk]; render(id); return; }
    var script = document.createElement('script');
    script.src = 'data/records-' + String(chunk) + '.js';
    script.onload = function () { loaded[chunk] = window.TROWEL_RECORDS; render(id); };
    script.onerror = function () { render(id); };
    window.TROWEL_RECORDS = undefined;
    document.body.appendChild(script);
  }

  window.addEventListener('hashchange', load);
  window.TROWEL_ZONE.onChange(function () { load(); });
  load();
})();
