/* Shared rendering of evidence values for the report's scripts. Every value from the evidence goes into its
   own <bdi> through textContent (never markup), with a "bidi" badge when it holds bidirectional controls, so
   no value can reorder the words, ids or times beside it. */
(function () {
  'use strict';
  var BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/;

  function badge(text, cls, title) {
    var b = document.createElement('span');
    b.className = 'badge' + (cls ? ' ' + cls : '');
    b.textContent = text;
    if (title) { b.title = title; }
    return b;
  }

  /* One value in its own isolate (and the bidi badge after it when it holds controls). */
  function value(parent, text, cls) {
    var s = String(text);
    var el = document.createElement('bdi');
    if (cls) { el.className = cls; }
    el.textContent = s;
    parent.appendChild(el);
    if (BIDI.test(s)) {
      parent.appendChild(document.createTextNode(' '));
      parent.appendChild(badge('bidi', 'bidi', 'contains bidirectional control characters'));
    }
    return el;
  }

  /* Parts of a description: even positions are trowel's words, odd positions evidence values. */
  function parts(parent, list) {
    if (typeof list === 'string') { value(parent, list); return; }
    for (var i = 0; i < list.length; i++) {
      if (list[i] === '') { continue; }
      if (i % 2) { value(parent, list[i]); } else { parent.appendChild(document.createTextNode(list[i])); }
    }
  }

  function partsText(list) {
    return typeof list === 'string' ? list : list.join('');
  }

  function time(parent, utc) {
    var t = document.createElement('time');
    t.className = 't';
    t.setAttribute('datetime', utc);
    t.title = 'UTC ' + utc;
    t.textContent = window.TROWEL_ZONE ? window.TROWEL_ZONE.format(utc) : utc;
    parent.appendChild(t);
    return t;
  }

  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  /* An attachment [mime, sha256, label, why]: inline image/video/audio from ../media/<sha256> when its sniffed
     type allows, else its label, hash and why it is not shown. */
  function attachment(a) {
    var mime = a[0], sha = a[1], label = a[2], why = a[3];
    var safe = /^[0-9a-f]{64}$/.test(sha);
    var kind = safe ? mime.split('/')[0] : '';
    if (kind === 'image' || kind === 'video' || kind === 'audio') {
      var fig = make('figure', 'attachment');
      var media = make(kind === 'image' ? 'img' : kind);
      media.src = '../media/' + sha;
      if (kind === 'image') { media.alt = 'attachment ' + sha.slice(0, 12); media.loading = 'lazy'; } else {
        media.controls = true;
        media.preload = 'none';
      }
      fig.appendChild(media);
      var cap = make('figcaption');
      value(cap, label);
      fig.appendChild(cap);
      return fig;
    }
    var div = make('div', 'attachment missing');
    value(div, label);
    if (sha) {
      div.appendChild(document.createTextNode(' '));
      div.appendChild(make('code', 'hash', sha));
    }
    div.appendChild(document.createTextNode(' '));
    div.appendChild(make('span', 'note', why));
    return div;
  }

  /* A table cell value as the report's tables store it: null, a string, a number, ["t", utc, raw] for a time,
     ["tags", [...]] for a list, ["kv", [[key, value], ...]] for a summary of an object. */
  function cell(parent, v) {
    if (v === null || v === undefined) {
      var n = document.createElement('span');
      n.className = 'null';
      n.textContent = '—';
      parent.appendChild(n);
    } else if (typeof v === 'number') {
      var num = document.createElement('span');
      num.className = 'num';
      num.textContent = String(v);
      parent.appendChild(num);
    } else if (typeof v === 'string') {
      value(parent, v);
    } else if (v[0] === 't') {
      if (v[1]) { time(parent, v[1]); } else {
        var u = document.createElement('span');
        u.className = 'undecoded';
        u.title = 'could not decode';
        value(u, v[2]);  /* the raw value in its own isolate, trowel's words beside it */
        if (v[3]) { u.appendChild(document.createTextNode(' ' + v[3])); }
        parent.appendChild(u);
      }
    } else if (v[0] === 'tags') {
      v[1].forEach(function (tag) {
        var t = document.createElement('span');
        t.className = 'tag';
        value(t, tag);
        parent.appendChild(t);
      });
    } else if (v[0] === 'media') {
      v[1].forEach(function (a) { parent.appendChild(attachment(a)); });
    } else if (v[0] === 'kv') {
      v[1].forEach(function (pair) {
        var t = document.createElement('span');
        t.className = 'tag kv';
        var k = document.createElement('span');
        k.className = 'k';
        value(k, pair[0]);
        t.appendChild(k);
        t.appendChild(document.createTextNode(' '));
        cell(t, pair[1]);
        parent.appendChild(t);
      });
    }
  }

  /* The text of a cell value for searching and sorting. */
  function cellText(v) {
    if (v === null || v === undefined) { return ''; }
    if (typeof v !== 'object') { return String(v); }
    if (v[0] === 't') { return v[1] || String(v[2]) + ' ' + (v[3] || ''); }
    if (v[0] === 'tags') { return v[1].join(' '); }
    if (v[0] === 'media') { return v[1].map(function (a) { return a[2]; }).join(' '); }
    if (v[0] === 'kv') { return v[1].map(function (p) { return p[0] + ' ' + cellText(p[1]); }).join(' '); }
    return '';
  }

  /* A packed data file's payload (base64 of deflated bytes, see trowel.report.packed) as a Response body. */
  function inflated(b64) {
    var bytes;
    if (typeof Uint8Array.fromBase64 === 'function') { bytes = Uint8Array.fromBase64(b64); } else {
      var bin = atob(b64);
      bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    }
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate')));
  }

  /* A Promise of the JSON value of a packed data file. */
  function unpack(b64) { return inflated(b64).text().then(JSON.parse); }

  /* A Promise of the bytes (Uint8Array) of a packed data file. */
  function inflate(b64) {
    return inflated(b64).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
  }

  window.TROWEL_UI = { BIDI: BIDI, unpack: unpack, inflate: inflate, attachment: attachment, badge: badge, value: value, parts: parts, partsText: partsText, time: time,
                       cell: cell, cellText: cellText };
})();
