(function () {
  "use strict";
  var PAGE = 100;
  var STATUS_LABEL = { protected: "Protected", unprotected: "Unprotected", unknown: "Unknown" };
  var STATUS_ORDER = { unprotected: 0, unknown: 1, protected: 2 };
  var COL = { arn: 0, name: 1, type: 2, account: 3, accountName: 4, region: 5, status: 6, reason: 7, tags: 8 };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* `name` in a reason shows as code, as the server-rendered rows do (text nodes only) */
  function withTicks(node, text) {
    var parts = String(text).split("`");
    if (parts.length % 2 === 0) { node.textContent = text; return node; }
    parts.forEach(function (part, i) {
      node.appendChild(i % 2 ? el("code", null, part) : document.createTextNode(part));
    });
    return node;
  }

  /* ---------- generic sortable tables (findings) ---------- */
  function cellValue(td, numeric) {
    if (!td) return "";
    if (numeric) {
      var n = parseFloat(td.getAttribute("data-value"));
      return isNaN(n) ? -Infinity : n;
    }
    return td.textContent.trim().toLowerCase();
  }
  function makeSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, idx) {
      var btn = th.querySelector("button.sort");
      if (!btn) return;
      th.setAttribute("aria-sort", "none");
      btn.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var numeric = btn.getAttribute("data-type") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[idx], numeric), y = cellValue(b.cells[idx], numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), makeSortable);

  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });

  /* ---------- links to a finding row: its rule group is laid out for real before scrolling
     (groups use content-visibility:auto, so the browser would scroll to an estimate) ---------- */
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    var group = target && target.closest ? target.closest("details.rule") : null;
    if (!group) return;
    group.style.contentVisibility = "visible";
    group.open = true;
    target.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", reveal);
  reveal();

  /* ---------- heatmap: organizational units fold open (all shown without JavaScript) ---------- */
  var groups = document.querySelectorAll("tbody.ou-group");
  function fold(group, open) {
    var button = group.querySelector(".ou-toggle");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    Array.prototype.forEach.call(group.querySelectorAll("tr.ou-member"), function (r) { r.hidden = !open; });
  }
  var manyAccounts = document.querySelectorAll("tr.ou-member").length > 40;
  Array.prototype.forEach.call(groups, function (group) {
    group.querySelector(".ou-toggle").addEventListener("click", function () {
      fold(group, this.getAttribute("aria-expanded") !== "true");
    });
    if (manyAccounts) fold(group, false);  /* a large organization starts with one row per unit */
  });

  /* ---------- inventory: filter, search, sort, paginate ---------- */
  var dataNode = document.getElementById("inventory-data");
  var body = document.getElementById("inventory-body");
  if (!dataNode || !body) return;
  var table = document.getElementById("inventory-table");
  mark("inventory-start");
  inflate(dataNode.textContent).then(function (rows) {
    mark("inventory-unpacked");
    inventory(rows);
    table.setAttribute("data-ready", "");
    mark("inventory-rendered");
  },
    function (err) {
      var note = document.getElementById("nojs-note");
      if (note) note.textContent = "The full inventory could not be unpacked in this browser (" + err + "): showing the first rows only.";
      table.setAttribute("data-ready", "failed");
    });

  /* User Timing marks (what a profile of the page load reads; they cost nothing otherwise) */
  function mark(name) { if (window.performance && performance.mark) performance.mark(name); }

  /* the inventory rows: JSON, gzip-compressed, base64-encoded (DecompressionStream is built in) */
  function inflate(text) {
    var bin = atob(text.trim()), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (text) {
      mark("inventory-inflated");
      var data = JSON.parse(text);
      mark("inventory-parsed");
      return unpack(data);
    });
  }

  /* the rows come column by column (see inventory_data): ARN = strings[prefix] + tail, name 0 =
     the ARN's tail, later columns index data.strings (kind "s") or data.lists (kind "l") */
  function unpack(data) {
    var S = data.strings, n = data.n, prefix = data.prefix, tail = data.tail, name = data.name;
    var lists = data.lists.map(function (l) { return l.map(function (i) { return S[i]; }); });
    var cols = data.columns, kinds = data.kinds, width = cols.length, rows = new Array(n);
    for (var i = 0; i < n; i++) {
      var r = new Array(width + 2), t = tail[i];
      r[0] = S[prefix[i]] + t;
      r[1] = name[i] === 0 ? t : name[i];
      for (var c = 0; c < width; c++) r[c + 2] = kinds[c] === "s" ? S[cols[c][i]] : lists[cols[c][i]];
      rows[i] = r;
    }
    return rows;
  }

  function inventory(rows) {
    var state = { q: "", account: "", region: "", type: "", status: "", key: null, asc: true, page: 0 };
    var $ = function (id) { return document.getElementById(id); };
    var filters = $("inv-filters"), pager = $("inv-pager"), note = $("nojs-note");
    filters.hidden = false;
    filters.addEventListener("submit", function (e) { e.preventDefault(); });
    pager.hidden = false;
    if (note) note.hidden = true;
    var searchText = null; /* built on the first search, not while the page opens */
    function haystack(i) {
      if (!searchText) {
        searchText = rows.map(function (r) {
          return [r[COL.name], r[COL.arn], r[COL.reason], r[COL.accountName], r[COL.tags].join(" ")].join("\n").toLowerCase();
        });
      }
      return searchText[i];
    }

    function matches(i) {
      var r = rows[i];
      if (state.account && r[COL.account] !== state.account) return false;
      if (state.region && r[COL.region] !== state.region) return false;
      if (state.type && r[COL.type] !== state.type) return false;
      if (state.status && r[COL.status] !== state.status) return false;
      if (state.q && haystack(i).indexOf(state.q) === -1) return false;
      return true;
    }
    function sortKey(r) {
      switch (state.key) {
        case "status": return STATUS_ORDER[r[COL.status]];
        case "name": return r[COL.name].toLowerCase();
        case "type": return r[COL.type].toLowerCase();
        case "account": return r[COL.account];
        case "region": return r[COL.region];
        case "reason": return r[COL.reason].toLowerCase();
        default: return 0;
      }
    }
    function rowNode(r) {
      var tr = el("tr");
      tr.setAttribute("data-account", r[COL.account]);
      tr.setAttribute("data-region", r[COL.region]);
      tr.setAttribute("data-type", r[COL.type]);
      tr.setAttribute("data-status", r[COL.status]);
      var td = el("td");
      td.appendChild(el("span", "pill st-" + r[COL.status], STATUS_LABEL[r[COL.status]]));
      tr.appendChild(td);
      td = el("td");
      td.appendChild(el("div", "rname", r[COL.name]));
      td.appendChild(el("div", "arn", r[COL.arn]));
      if (r[COL.tags].length) {
        var tags = el("div", "tags");
        r[COL.tags].forEach(function (t) { tags.appendChild(el("span", "tag", t)); });
        td.appendChild(tags);
      }
      tr.appendChild(td);
      tr.appendChild(el("td", null, r[COL.type]));
      td = el("td");
      var acct = el("span", "acct");
      acct.appendChild(el("span", "mono", r[COL.account]));
      if (r[COL.accountName]) acct.appendChild(el("small", null, r[COL.accountName]));
      td.appendChild(acct);
      tr.appendChild(td);
      tr.appendChild(el("td", null, r[COL.region]));
      tr.appendChild(withTicks(el("td"), r[COL.reason]));
      return tr;
    }
    function render() {
      var idx = [];
      for (var i = 0; i < rows.length; i++) if (matches(i)) idx.push(i);
      if (state.key) {
        var keys = {};
        idx.forEach(function (j) { keys[j] = sortKey(rows[j]); });
        idx.sort(function (a, b) {
          var x = keys[a], y = keys[b];
          return (x < y ? -1 : x > y ? 1 : a - b) * (state.asc ? 1 : -1);
        });
      }
      var pages = Math.max(1, Math.ceil(idx.length / PAGE));
      if (state.page >= pages) state.page = pages - 1;
      var start = state.page * PAGE, end = Math.min(idx.length, start + PAGE);
      var frag = document.createDocumentFragment();
      for (var k = start; k < end; k++) frag.appendChild(rowNode(rows[idx[k]]));
      if (!idx.length) {
        var tr = el("tr", "empty-row"), td = el("td", null, "No resource matches these filters.");
        td.colSpan = 6; tr.appendChild(td); frag.appendChild(tr);
      }
      body.replaceChildren(frag);
      $("inv-range").textContent = idx.length
        ? "Showing " + (start + 1).toLocaleString("en-US") + "–" + end.toLocaleString("en-US") + " of " +
          idx.length.toLocaleString("en-US") + " matching (" + rows.length.toLocaleString("en-US") + " resources)"
        : "0 of " + rows.length.toLocaleString("en-US") + " resources match";
      $("inv-page").textContent = "Page " + (state.page + 1) + " of " + pages;
      $("inv-prev").disabled = state.page === 0;
      $("inv-next").disabled = state.page >= pages - 1;
    }

    function bind(id, key) {
      var node = $(id);
      node.addEventListener(node.tagName === "INPUT" ? "input" : "change", function () {
        state[key] = key === "q" ? node.value.trim().toLowerCase() : node.value;
        state.page = 0;
        render();
      });
    }
    bind("f-q", "q"); bind("f-account", "account"); bind("f-region", "region");
    bind("f-type", "type"); bind("f-status", "status");
    $("f-reset").addEventListener("click", function () {
      ["f-q", "f-account", "f-region", "f-type", "f-status"].forEach(function (id) { $(id).value = ""; });
      state.q = state.account = state.region = state.type = state.status = "";
      state.page = 0; render();
    });
    $("inv-prev").addEventListener("click", function () { state.page -= 1; render(); });
    $("inv-next").addEventListener("click", function () { state.page += 1; render(); });

    var heads = document.querySelectorAll("#inventory-table thead th[data-key]");
    Array.prototype.forEach.call(heads, function (th) {
      th.querySelector("button").addEventListener("click", function () {
        var key = th.getAttribute("data-key");
        state.asc = state.key === key ? !state.asc : true;
        state.key = key;
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", state.asc ? "ascending" : "descending");
        state.page = 0;
        render();
      });
    });

    Array.prototype.forEach.call(document.querySelectorAll("[data-filter-account]"), function (a) {
      a.addEventListener("click", function () {
        $("f-account").value = state.account = a.getAttribute("data-filter-account");
        $("f-region").value = state.region = a.getAttribute("data-filter-region");
        state.page = 0;
        render();
      });
    });

    render();
  }
})();
