/* The upload page: the token is kept in sessionStorage (this tab only) and sent as a Bearer
   header; no cookie, no external script. Every text comes from the page's catalog. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  var region = main.getAttribute("data-region");
  var api = main.getAttribute("data-api");
  var lang = main.getAttribute("data-lang");
  var M = JSON.parse(document.getElementById("messages").textContent);
  var key = "tflib-token:" + region;
  var grant = null;
  var original = {};

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, name) { return values[name] === undefined ? "" : String(values[name]); });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function token() { return sessionStorage.getItem(key) || ""; }
  function call(method, path, body, type) {
    var headers = { "Authorization": "Bearer " + token() };
    if (type) { headers["Content-Type"] = type; }
    return fetch(api + path, { method: method, headers: headers, body: body, credentials: "omit", cache: "no-store" }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) { return { status: res.status, data: data }; });
    });
  }
  function refusal(res) {
    var known = M.refusals[String(res.status)];
    return (known || M.failed) + (res.data && res.data.message ? " (" + res.data.message + ")" : "");
  }

  var who = document.getElementById("who");
  var forget = document.getElementById("forget");
  function signIn() {
    if (!token()) { return; }
    call("GET", "/me").then(function (res) {
      if (res.status !== 200) {
        who.textContent = refusal(res);
        grant = null;
        return;
      }
      grant = res.data;
      // The page in the country's language, unless the reader chose another one here.
      var chosen = sessionStorage.getItem(key + ":language");
      if (grant.language && grant.language !== lang && chosen !== lang) {
        location.replace("/collect/" + encodeURIComponent(region) + "/" + encodeURIComponent(grant.language) + "/");
        return;
      }
      forget.hidden = false;
      who.textContent = grant.role === "country" ? fill(M.signed_in, { country: M.countries[grant.country] || grant.country }) : M.signed_in_secretariat;
      if (grant.role === "country") { loadItems(); }
    }).catch(function () { who.textContent = M.unreachable; });
  }
  document.getElementById("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = document.getElementById("token").value.trim();
    if (!value) { return; }
    sessionStorage.setItem(key, value);
    document.getElementById("token").value = "";
    signIn();
  });
  forget.addEventListener("click", function () {
    sessionStorage.removeItem(key);
    grant = null;
    forget.hidden = true;
    who.textContent = M.forgotten;
    document.getElementById("items-form").hidden = true;
  });

  function loadItems() {
    call("GET", "/countries/" + grant.country + "/items?lang=" + encodeURIComponent(lang)).then(function (res) {
      if (res.status !== 200) { return; }
      var body = document.querySelector("#items tbody");
      body.innerHTML = "";
      original = {};
      document.getElementById("reported-on").value = res.data.as_of;
      document.getElementById("reported-on").max = res.data.as_of;
      res.data.items.filter(function (item) { return item.status !== "full" && item.status !== "not_applicable"; }).forEach(function (item, i) {
        original[item.item_id] = { status: item.status || "", pct: item.pct_complete === null ? "" : String(item.pct_complete), note: item.note || "" };
        var row = el("tr", { "data-item": item.item_id });
        var head = el("th", { scope: "row" });
        head.appendChild(el("code", {}, item.item_id));
        head.appendChild(el("span", { "class": "help" }, " " + (item.step_name || "")));
        row.appendChild(head);
        var label = item.item_id + " " + (item.step_name || "");
        var status = el("select", { "aria-label": M.status + ": " + label, name: "status" });
        status.appendChild(el("option", { value: "" }, M.no_data));
        Object.keys(M.statuses).forEach(function (code) {
          var option = el("option", { value: code }, M.statuses[code]);
          if (code === item.status) { option.selected = true; }
          status.appendChild(option);
        });
        var cell = el("td"); cell.appendChild(status); row.appendChild(cell);
        var pct = el("input", { type: "number", min: "0", max: "100", step: "any", name: "pct", "aria-label": M.pct + ": " + label });
        pct.value = original[item.item_id].pct;
        cell = el("td"); cell.appendChild(pct); row.appendChild(cell);
        var note = el("input", { type: "text", name: "note", maxlength: "2000", "aria-label": M.note + ": " + label });
        note.value = original[item.item_id].note;
        cell = el("td"); cell.appendChild(note); row.appendChild(cell);
        body.appendChild(row);
      });
      document.getElementById("items-form").hidden = false;
    });
  }

  document.getElementById("items-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var day = document.getElementById("reported-on").value;
    var rows = [];
    document.querySelectorAll("#items tbody tr").forEach(function (tr) {
      var id = tr.getAttribute("data-item");
      var was = original[id];
      var now = { status: tr.querySelector("[name=status]").value, pct: tr.querySelector("[name=pct]").value, note: tr.querySelector("[name=note]").value };
      if (now.status === was.status && now.pct === was.pct && now.note === was.note) { return; }
      var row = { item_id: id, reported_on: day, status: now.status || null, pct_complete: now.pct === "" ? null : Number(now.pct) };
      if (now.note) { row.note = now.note; }
      rows.push(row);
    });
    if (!rows.length) { show(null, M.nothing_changed); return; }
    var doc = { format: "tflib-submission/1", kind: "progress", country: grant.country, percent_scale: "percent", rows: rows };
    send(JSON.stringify(doc), "application/json");
  });

  document.getElementById("file-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = document.getElementById("file").files[0];
    if (!file) { return; }
    var form = new FormData();
    form.append("file", file, file.name);
    send(form, null);
  });

  function send(body, type) {
    if (!token()) { show(null, M.no_token); return; }
    show(null, M.sending);
    call("POST", "/submissions", body, type).then(function (res) {
      if ([201, 207, 422, 400].indexOf(res.status) < 0 || res.data.rows_in === undefined) { show(false, refusal(res)); return; }
      report(res.status, res.data);
      if (res.data.inserted && grant && grant.role === "country") { loadItems(); watch(res.data.submission); }
    }).catch(function () { show(false, M.unreachable); });
  }

  var result = document.getElementById("result");
  function show(ok, text) {
    result.innerHTML = "";
    var p = el("p", ok === null ? { "class": "help" } : { "class": ok ? "ok" : "bad" }, text);
    result.appendChild(p);
    if (ok !== null) { result.scrollIntoView({ block: "start" }); }
    return p;
  }
  function report(status, data) {
    var summary = fill(M.summary, { rows: data.rows_in, accepted: data.accepted, quarantined: data.quarantined });
    if (data.duplicate) { summary = M.duplicate + " " + summary; }
    show(status === 201, summary);
    if (data.problems && data.problems.length) {
      var wrap = el("div", { "class": "scroll", role: "region", tabindex: "0", "aria-label": M.problems });
      var table = el("table");
      table.appendChild(el("caption", {}, M.problems));
      var head = el("tr");
      [M.row, M.column, M.problem, M.fix].forEach(function (h) { head.appendChild(el("th", { scope: "col" }, h)); });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      var tbody = el("tbody");
      data.problems.forEach(function (p) {
        var tr = el("tr");
        tr.appendChild(el("td", {}, p.row === null ? "–" : p.row));
        tr.appendChild(el("td", {}, p.column || "–"));
        var what = el("td", {}, p.explanation || "");
        if (p.value !== null && p.value !== undefined && p.value !== "") {
          what.appendChild(el("br"));
          what.appendChild(el("span", { "class": "help" }, fill(M.value, { value: p.value })));
        }
        tr.appendChild(what);
        tr.appendChild(el("td", {}, p.fix || ""));
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      wrap.appendChild(table);
      result.appendChild(wrap);
    }
    if (data.publish) { result.appendChild(el("p", { id: "published", "class": "help" }, M.publish[data.publish.state] || "")); }
  }
  function watch(sha, tries) {
    tries = tries || 0;
    if (tries > 120) { return; }
    setTimeout(function () {
      call("GET", "/submissions/" + sha).then(function (res) {
        var note = document.getElementById("published");
        var state = res.data && res.data.publish ? res.data.publish.state : null;
        if (note && state) { note.textContent = M.publish[state] || ""; }
        if (state !== "published" && state !== "staged") { watch(sha, tries + 1); }
      });
    }, 1000);
  }
  document.querySelectorAll("header nav a[hreflang]").forEach(function (link) {
    link.addEventListener("click", function () { sessionStorage.setItem(key + ":language", link.getAttribute("hreflang")); });
  });
  signIn();
})();
