// report.html's script, written for this page: pan and zoom of the SVG map, the card of a
// parcel, a park or a firm (also from the links #parcel=ID, #park=ID, #firm=ID), search,
// the colouring by class, filters by reason, class and park, sortable tables. It reads the
// JSON blob #report-data (src/write/html/data.rs). A large audit's parcels are in the folder
// beside the page (D.files: src/write/html/tiles.rs), loaded as scripts when the map is
// zoomed in far enough to draw them; nothing else is loaded, and nothing from the network.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var T = D.t;
  var svg = document.querySelector("svg.map");
  var card = document.getElementById("card");

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }
  // One format per quantity (D.dec): grouped by thousands, a dash for nothing.
  function fmt(v, what) {
    if (v === null || v === undefined || !isFinite(v)) return "—";
    var s = Number(v).toFixed(D.dec[what]);
    var neg = s.charAt(0) === "-";
    if (neg) s = s.slice(1);
    var dot = s.indexOf(".");
    var int = dot < 0 ? s : s.slice(0, dot);
    var frac = dot < 0 ? "" : s.slice(dot);
    int = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + int + frac;
  }
  function link(kind, id, text) {
    return '<a href="#' + kind + "=" + encodeURIComponent(id) + '">' + esc(text || id) + "</a>";
  }

  // Sortable tables: a click on a heading sorts by its column, again to reverse.
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var dir = th.getAttribute("data-dir") === "1" ? -1 : 1;
        th.setAttribute("data-dir", dir === 1 ? "1" : "-1");
        var key = function (r) {
          var t = (r.cells[col] || {}).textContent || "";
          var n = parseFloat(t.replace(/[,%<>]/g, ""));
          return isNaN(n) ? t : n;
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (typeof x === "number" && typeof y === "number") return (x - y) * dir;
          return String(x).localeCompare(String(y)) * dir;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  if (!svg) return;
  var NS = svg.namespaceURI;
  var F = D.files;
  // paths[i] draws parcel D.p[i]; with F, both fill in as tiles load.
  var paths = F ? [] : Array.prototype.slice.call(svg.querySelectorAll("path.parcel"));
  var parkPaths = svg.querySelectorAll("path.park");
  var pindex = {}, eindex = {};
  D.p.forEach(function (p, i) { pindex[p.id] = i; });
  D.e.forEach(function (e, j) { eindex[e.id] = j; });
  var layer = svg.querySelector("g.parcels");
  if (F) {
    layer = document.createElementNS(NS, "g");
    layer.setAttribute("class", "parcels");
    svg.insertBefore(layer, svg.querySelector("g.parks"));
  }
  function indexOf(el) {
    if (el.hasAttribute && el.hasAttribute("data-i")) return Number(el.getAttribute("data-i"));
    return paths.indexOf(el);
  }
  var tools = document.querySelector(".tools");
  if (tools) tools.hidden = false;

  // ---- pan and zoom: the viewBox moves; strokes keep their width.
  var home = svg.getAttribute("viewBox").split(/\s+/).map(Number);
  var labels = svg.querySelectorAll("text.label");
  var vb = home.slice();
  function setView(v) {
    vb = v;
    svg.setAttribute("viewBox", v.join(" "));
    svg.classList.toggle("zoomed", v[2] < home[2] * 0.99);
    // The parks' labels keep their size on screen as the map is zoomed.
    var k = v[2] / home[2];
    Array.prototype.forEach.call(labels, function (l) {
      l.style.fontSize = 12 * k + "px";
      l.style.strokeWidth = 3 * k + "px";
    });
    if (F) schedule();
  }
  // Screen point -> SVG units (preserveAspectRatio xMidYMid meet).
  function toSvg(cx, cy) {
    var r = svg.getBoundingClientRect();
    var s = Math.max(vb[2] / r.width, vb[3] / r.height);
    return [vb[0] + (cx - r.left) * s - (r.width * s - vb[2]) / 2,
            vb[1] + (cy - r.top) * s - (r.height * s - vb[3]) / 2];
  }
  function unitsPerPixel() {
    var r = svg.getBoundingClientRect();
    return Math.max(vb[2] / r.width, vb[3] / r.height);
  }
  function zoomAt(x, y, f) {
    var w = vb[2] * f;
    if (w < home[2] / 5000) f = home[2] / 5000 / vb[2];
    if (w > home[2] * 2) f = home[2] * 2 / vb[2];
    setView([x - (x - vb[0]) * f, y - (y - vb[1]) * f, vb[2] * f, vb[3] * f]);
  }
  function zoomTo(box, pad) {
    var w = Math.max(box.width, home[2] / 2000) * pad, h = Math.max(box.height, home[3] / 2000) * pad;
    var cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    // Keep the map's proportions, so the box is all in sight.
    var k = Math.max(w / home[2], h / home[3]);
    setView([cx - home[2] * k / 2, cy - home[3] * k / 2, home[2] * k, home[3] * k]);
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = toSvg(e.clientX, e.clientY);
    zoomAt(p[0], p[1], Math.exp(Math.max(-1, Math.min(1, e.deltaY * (e.deltaMode ? 0.05 : 0.002)))));
  }, { passive: false });
  var pointers = {}, moved = 0, pinch = null;
  svg.addEventListener("pointerdown", function (e) {
    pointers[e.pointerId] = [e.clientX, e.clientY];
    moved = 0;
    svg.setPointerCapture(e.pointerId);
    svg.classList.add("dragging");
  });
  svg.addEventListener("pointermove", function (e) {
    var last = pointers[e.pointerId];
    if (!last) return;
    var ids = Object.keys(pointers);
    var upp = unitsPerPixel();
    if (ids.length === 1) {
      var dx = e.clientX - last[0], dy = e.clientY - last[1];
      moved += Math.abs(dx) + Math.abs(dy);
      setView([vb[0] - dx * upp, vb[1] - dy * upp, vb[2], vb[3]]);
    } else if (ids.length === 2) {
      pointers[e.pointerId] = [e.clientX, e.clientY];
      var a = pointers[ids[0]], b = pointers[ids[1]];
      var d = Math.hypot(a[0] - b[0], a[1] - b[1]);
      if (pinch) {
        var m = toSvg((a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
        zoomAt(m[0], m[1], pinch / Math.max(d, 1));
      }
      pinch = d;
      moved += 10;
      return;
    }
    pointers[e.pointerId] = [e.clientX, e.clientY];
  });
  function up(e) {
    if (!pointers[e.pointerId]) return;
    var single = Object.keys(pointers).length === 1;
    delete pointers[e.pointerId];
    pinch = null;
    svg.classList.remove("dragging");
    if (single && moved < 6 && e.type === "pointerup") {
      var el = document.elementFromPoint(e.clientX, e.clientY);
      var i = el ? indexOf(el) : -1;
      if (i >= 0 && D.p[i]) go("parcel", D.p[i].id);
    }
  }
  svg.addEventListener("pointerup", up);
  svg.addEventListener("pointercancel", up);
  var homeButton = document.getElementById("home");
  if (homeButton) homeButton.addEventListener("click", function () { setView(home.slice()); });

  // ---- layers and the filter by reason.
  // The legend of what the map shows: the parcels by state or class, or (a tiled map
  // zoomed out) the grid.
  function legends() {
    var layer = F && !svg.classList.contains("detail") ? "grid" :
      svg.classList.contains("by-class") ? "class" : "state";
    Array.prototype.forEach.call(document.querySelectorAll(".legend[data-layer]"), function (l) {
      l.hidden = l.getAttribute("data-layer") !== layer;
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[name=layer]"), function (r) {
    r.addEventListener("change", function () {
      svg.classList.toggle("by-class", r.value === "class" && r.checked);
      legends();
    });
  });
  // A parcel is dimmed unless it has the reason, the class and the park chosen.
  var want = { reason: -1, cls: "", park: -1 };
  function dim(i) {
    var p = D.p[i];
    if (!p || !paths[i]) return;
    var off = (want.reason >= 0 && !(p.why && p.why.indexOf(want.reason) >= 0)) ||
      (want.cls !== "" && (p.c || "N") !== want.cls) || (want.park >= 0 && p.k !== want.park);
    paths[i].classList.toggle("dim", off);
  }
  function onChange(id, set) {
    var el = document.getElementById(id);
    if (el) el.addEventListener("change", function () {
      set(el.value);
      paths.forEach(function (_, i) { dim(i); });
    });
  }
  onChange("reason", function (v) { want.reason = v === "" ? -1 : Number(v); });
  onChange("class", function (v) { want.cls = v; });
  onChange("parkf", function (v) {
    want.park = v === "" ? -1 : Number(v);
    if (want.park >= 0) go("park", D.parks[want.park].id);
  });

  // ---- a large audit's tiles (report_files/): loaded as scripts, each calling LE_tile,
  // LE_ids or LE_names, drawn when the parcels in sight are few enough (F.lod).
  var loads = {}, pending = 0;
  function load(name, then) {
    var s = loads[name];
    if (s && s.done) return then && then();
    if (s) return then && s.wait.push(then);
    s = loads[name] = { done: false, wait: then ? [then] : [] };
    var el = document.createElement("script");
    el.src = F.dir + "/" + name + ".js";
    pending++;
    el.onload = el.onerror = function () {
      el.remove();
      s.done = true;
      // When the last file asked for was drawn, in ms since navigation began.
      if (--pending === 0) document.body.setAttribute("data-drawn-ms", String(Math.round(performance.now())));
      s.wait.splice(0).forEach(function (f) { f(); });
      if (current && current.kind === "park") show(parkCard(current.i));
    };
    document.head.appendChild(el);
  }
  window.LE_tile = function (t, data) {
    var g = document.createElementNS(NS, "g");
    g.innerHTML = data.p.map(function (p) {
      D.p[p.i] = p;
      pindex[p.id] = p.i;
      return '<path class="parcel s' + p.s + " c" + (p.c || "N") + '" data-i="' + p.i + '" d="' + p.d + '"></path>';
    }).join("");
    data.p.forEach(function (p) { delete p.d; });
    Array.prototype.forEach.call(g.childNodes, function (el) {
      var i = indexOf(el);
      paths[i] = el;
      dim(i);
    });
    data.e.forEach(function (e) { D.e[e.j] = e; eindex[e.id] = e.j; });
    layer.appendChild(g);
  };
  var tileOf = { parcel: {}, firm: {} };
  window.LE_ids = function (h, data) {
    data.p.forEach(function (x) { tileOf.parcel[x[0]] = x[1]; });
    data.e.forEach(function (x) { tileOf.firm[x[0]] = x[1]; });
  };
  var names = null;
  window.LE_names = function (data) { names = data; };
  // The id file of an id: FNV-1a of its UTF-8 bytes, as tiles.rs writes them.
  function shard(id) {
    var b = new TextEncoder().encode(id), h = 0x811c9dc5;
    for (var k = 0; k < b.length; k++) h = Math.imul(h ^ b[k], 0x01000193) >>> 0;
    return h % F.shards;
  }
  // Loads the tile of a parcel's or firm's id, then calls `then`.
  function lookup(kind, id, then) {
    load("i" + shard(id), function () {
      var t = tileOf[kind][id];
      if (t === undefined) then();
      else load("t" + t, then);
    });
  }
  var lodTimer = null;
  function schedule() {
    if (lodTimer === null) lodTimer = setTimeout(function () { lodTimer = null; lod(); }, 60);
  }
  function lod() {
    // What is in sight: the viewBox, widened to the map's box as it is fitted into it.
    var b = svg.getBoundingClientRect(), u = unitsPerPixel();
    var x = vb[0] - (b.width * u - vb[2]) / 2, y = vb[1] - (b.height * u - vb[3]) / 2;
    var c0 = Math.max(0, Math.floor(x / F.w)), c1 = Math.min(F.cols - 1, Math.floor((x + b.width * u) / F.w));
    var r0 = Math.max(0, Math.floor(y / F.h)), r1 = Math.min(F.rows - 1, Math.floor((y + b.height * u) / F.h));
    var inSight = [], n = 0;
    for (var r = r0; r <= r1; r++) for (var c = c0; c <= c1; c++) {
      var t = r * F.cols + c;
      if (F.n[t]) { inSight.push(t); n += F.n[t]; }
    }
    var detail = n <= F.lod;
    svg.classList.toggle("detail", detail);
    legends();
    if (detail) inSight.forEach(function (t) { load("t" + t); });
  }

  // ---- cards.
  var selected = null, current = null;
  function select(i) {
    if (selected !== null) paths[selected].classList.remove("sel");
    selected = i;
    if (i !== null) {
      paths[i].classList.add("sel");
      paths[i].parentNode.appendChild(paths[i]); // drawn last, its outline on top
    }
  }

  function show(html) {
    card.innerHTML = html;
    card.hidden = false;
  }
  function figureRows(p, th) {
    // Tax, investment, output per mu and plot ratio: the figure, the minimum it was held
    // to, the contract's commitment, each missed one marked.
    var names = ["tax", "investment", "output", "plot_ratio"];
    var f = [p.f[0], p.f[1], p.f[2], p.f[3]];
    var mins = [th.m[1], th.m[0], th.m[2], th.m[3]];
    var ct = p.ct ? [p.ct[1], p.ct[0], p.ct[2], p.ct[3]] : [null, null, null, null];
    var why = p.why || [];
    var miss = [why.indexOf(1) >= 0, why.indexOf(0) >= 0, why.indexOf(2) >= 0, why.indexOf(3) >= 0];
    var cmiss = [why.indexOf(6) >= 0, why.indexOf(5) >= 0, why.indexOf(7) >= 0, why.indexOf(8) >= 0];
    var h = "<table><thead><tr><th></th><th>" + esc(T.value) + "</th><th>" + esc(T.minimum) +
      "</th>" + (p.ct ? "<th>" + esc(T.contract) + "</th>" : "") + "</tr></thead><tbody>";
    for (var k = 0; k < 4; k++) {
      var q = k === 3 ? "plot" : "per_mu";
      h += "<tr><td>" + esc(T[names[k]]) + "</td><td" + (miss[k] || cmiss[k] ? ' class="miss"' : "") +
        ">" + fmt(f[k], q) + "</td><td>" + fmt(mins[k], q) + "</td>" +
        (p.ct ? "<td" + (cmiss[k] ? ' class="miss"' : "") + ">" + fmt(ct[k], q) + "</td>" : "") + "</tr>";
    }
    return h + "</tbody></table>";
  }
  function parcelCard(i) {
    var p = D.p[i], th = D.th[p.th];
    var park = p.k !== undefined ? D.parks[p.k] : null;
    var h = "<h3>" + esc(T.parcel) + " " + esc(p.id) + "</h3><p>";
    if (park) h += esc(T.park) + " " + link("park", park.id, park.id + (park.name ? " " + park.name : "")) + " · ";
    h += esc(T.area) + " " + fmt(p.a, "area") + " " + esc(T.mu);
    if (p.c) h += " · " + esc(T["class"]) + " " + esc(p.c);
    h += "</p><p><b>" + esc(T.state) + ":</b> " + esc(D.states[p.s]) + "</p>";
    if (p.why) {
      h += '<p class="why"><b>' + esc(T.reasons) + ":</b></p><ul class=\"why\">";
      p.why.forEach(function (r) { h += "<li>" + esc(D.reasons[r]) + "</li>"; });
      h += "</ul>";
    }
    h += figureRows(p, th);
    h += "<p>" + esc(T.rules) + ": " + (th.r.length ? th.r.map(esc).join("; ") : esc(T.base_rule)) + "</p>";
    if (p.pl !== undefined || p.ch) {
      h += "<p>" + esc(T.previous) + ": " +
        esc(p.pl === undefined ? T.previous_none : p.pl ? T.previous_low : T.previous_ok) +
        (p.ch ? " · " + esc(p.ch) : "") + "</p>";
    }
    h += "<p><b>" + esc(T.tenants) + "</b></p>";
    if (!p.n || !p.n.length) {
      h += "<p>" + esc(T.no_tenants) + "</p>";
    } else {
      h += "<ul>";
      p.n.forEach(function (j) { h += "<li>" + firmLine(j) + "</li>"; });
      h += "</ul>";
    }
    return h;
  }
  function firmLine(j) {
    var e = D.e[j];
    return link("firm", e.id, (e.nm ? e.nm + " " : "") + e.id) + (e.c ? " <b>" + esc(e.c) + "</b>" : "") +
      "<br><small>" + money(e) + "</small>";
  }
  function money(e) {
    return esc(T.tax_sum) + " " + fmt(e.f[0], "money") + " · " + esc(T.investment_sum) + " " +
      fmt(e.f[1], "money") + " · " + esc(T.output_sum) + " " + fmt(e.f[2], "money") + " " + esc(T.wan);
  }
  function firmCard(j) {
    var e = D.e[j];
    var h = "<h3>" + esc(T.firm) + " " + esc(e.nm || e.id) + "</h3><p>" + esc(e.id) + "</p>";
    h += "<table><tbody>";
    h += "<tr><td>" + esc(T.joined_to) + "</td><td>" +
      (e.p !== undefined ? link("parcel", D.p[e.p].id) : esc(T.not_joined)) + "</td></tr>";
    h += "<tr><td>" + esc(T.wan) + "</td><td>" + money(e) + "</td></tr>";
    if (e.l !== undefined) h += "<tr><td>" + esc(T.land) + "</td><td>" + fmt(e.l, "area") + " " + esc(T.mu) + "</td></tr>";
    if (e.g) h += "<tr><td>" + esc(T["class"]) + "</td><td><b>" + esc(e.c || "—") + "</b> · " + esc(e.g) +
      " · " + esc(T.score) + " " + fmt(e.sc, "score") + "</td></tr>";
    if (e.fc) h += "<tr><td>" + esc(T.forced) + "</td><td>" + esc(e.fc) + "</td></tr>";
    if (e.ad) h += "<tr><td>" + esc(T.adjustment) + "</td><td>" + esc(e.ad) + "</td></tr>";
    return h + "</tbody></table>";
  }
  function parkCard(k) {
    var park = D.parks[k];
    var h = "<h3>" + esc(T.park) + " " + esc(park.id) + (park.name ? " " + esc(park.name) : "") + "</h3>";
    h += "<p>" + esc(T.ratio) + " <b>" + esc(park.ratio) + "</b> (" + esc(park.over ? T.over_cap : T.within_cap) +
      ") · " + fmt(park.low, "area") + " / " + fmt(park.a, "area") + " " + esc(T.mu) + "</p>";
    // The park's roll-up: per-mu figures over its judged land, its plot ratio and rank.
    h += "<p>" + esc(T.tax) + " " + fmt(park.pm[0], "per_mu") + " · " + esc(T.output) + " " +
      fmt(park.pm[1], "per_mu") + " · " + esc(T.investment) + " " + fmt(park.pm[2], "per_mu") +
      " " + esc(T.per_mu) + " · " + esc(T.plot_ratio) + " " + fmt(park.pm[3], "plot") +
      (park.rk ? " · " + esc(T.park_rank) + " " + park.rk : "") + "</p>";
    if (D.grid && !F) return h + "<p>" + esc(T.grid) + "</p>";
    var mine = [];
    D.p.forEach(function (p, i) { if (p.k === k) mine.push(i); });
    if (F && mine.length < park.n) {
      h += "<p>" + esc(T.partial) + " " + mine.length + " / " + park.n +
        (svg.classList.contains("detail") ? "" : " · " + esc(T.zoom_for_more)) + "</p>";
    }
    // The low-efficiency parcels first, then by id.
    mine.sort(function (a, b) {
      var la = D.p[a].s === 1 || D.p[a].s === 2 || D.p[a].s === 3 ? 0 : 1;
      var lb = D.p[b].s === 1 || D.p[b].s === 2 || D.p[b].s === 3 ? 0 : 1;
      return la - lb || (D.p[a].id < D.p[b].id ? -1 : 1);
    });
    h += "<p><b>" + esc(T.parcels_of_park) + "</b> (" + mine.length + ")</p><ul>";
    mine.forEach(function (i) {
      var p = D.p[i];
      h += "<li>" + link("parcel", p.id) + " " + fmt(p.a, "area") + " " + esc(T.mu) + " · " + esc(D.states[p.s]) + "</li>";
    });
    return h + "</ul>";
  }
  function notFound(kind, id) {
    current = null;
    show("<p>" + esc(T.not_found) + ": " + esc(T[kind] || kind) + " " + esc(id) + "</p>" +
      (D.grid && !F ? "<p>" + esc(T.grid) + "</p>" : ""));
  }
  function find(list, id) {
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return i;
    return -1;
  }
  // #parcel=ID, #park=ID, #firm=ID; with F, a parcel or firm not loaded yet is looked up
  // and its tile loaded first (`again` when that was done).
  function route(again) {
    var hash = location.hash;
    var m = /^#(parcel|park|firm)=(.*)$/.exec(hash);
    if (!m) return;
    var kind = m[1], id = decodeURIComponent(m[2]);
    var i = kind === "parcel" ? pindex[id] : kind === "firm" ? eindex[id] : find(D.parks, id);
    if (i === undefined && F && again !== true) {
      show("<p>" + esc(T.loading) + "</p>");
      return lookup(kind, id, function () { if (location.hash === hash) route(true); });
    }
    if (i === undefined || i < 0) return notFound(kind, id);
    current = { kind: kind, i: i };
    if (kind === "parcel") {
      select(i);
      show(parcelCard(i));
      zoomTo(paths[i].getBBox(), 8);
    } else if (kind === "park") {
      select(null);
      show(parkCard(i));
      if (parkPaths[i]) zoomTo(parkPaths[i].getBBox(), 1.15);
    } else {
      var e = D.e[i];
      select(e.p !== undefined ? e.p : null);
      show(firmCard(i));
      if (e.p !== undefined) zoomTo(paths[e.p].getBBox(), 8);
    }
    card.scrollTop = 0;
  }
  function go(kind, id) {
    var hash = "#" + kind + "=" + encodeURIComponent(id);
    if (location.hash === hash) route();
    else location.hash = hash;
  }
  window.addEventListener("hashchange", function () { route(); });

  // ---- search: parcel ids, then firms' names and ids, containing the text.
  var q = document.getElementById("q"), hits = document.getElementById("hits");
  function search() {
    var s = q.value.trim().toLowerCase();
    if (F && s && !names) {
      hits.innerHTML = "<li>" + esc(T.loading) + "</li>";
      return load("names", search);
    }
    var P = D.p, E = D.e;
    if (F && !names) {
      hits.innerHTML = "";
      return;
    }
    if (F) {
      // The ids and names of the whole audit (names.js), shaped as the blob's.
      if (!names.P) {
        names.P = names.p.map(function (id) { return { id: id }; });
        names.E = names.e.map(function (x) { return { id: x[0], nm: x[1] }; });
      }
      P = names.P;
      E = names.E;
    }
    var out = [];
    if (s) {
      for (var i = 0; i < P.length && out.length < 20; i++)
        if (P[i].id.toLowerCase().indexOf(s) >= 0) out.push(["parcel", P[i].id, T.parcel + " " + P[i].id]);
      for (var k = 0; k < D.parks.length && out.length < 25; k++) {
        var park = D.parks[k];
        if ((park.id + " " + (park.name || "")).toLowerCase().indexOf(s) >= 0)
          out.push(["park", park.id, T.park + " " + park.id + " " + (park.name || "")]);
      }
      for (var j = 0; j < E.length && out.length < 40; j++) {
        var e = E[j];
        if ((e.nm || "").toLowerCase().indexOf(s) >= 0 || e.id.toLowerCase().indexOf(s) >= 0)
          out.push(["firm", e.id, T.firm + " " + (e.nm ? e.nm + " " : "") + e.id]);
      }
    }
    hits.innerHTML = out.map(function (o) { return "<li>" + link(o[0], o[1], o[2]) + "</li>"; }).join("");
  }
  if (q) q.addEventListener("input", search);
  if (hits) hits.addEventListener("click", function () { setTimeout(function () { hits.innerHTML = ""; }, 0); });

  route();
  if (F) lod();
  // When the page was ready, in ms since navigation began (read by scripts/check_browser.sh).
  document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
})();
