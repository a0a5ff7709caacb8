/* NexusOne chat widget — self-contained: no third-party asset, no eval, no inline style attribute
   or <style> element (styles are set through the CSSOM), so it runs under a strict CSP that allows
   this script's origin in script-src and connect-src. */
(function () {
  "use strict";
  var config = JSON.parse("{{ config_json|escapejs }}");
  if (window["nxAgent_" + config.key]) { return; }
  window["nxAgent_" + config.key] = true;
  var storeKey = "nx-agent-" + config.key;
  var token = null;
  try { token = window.localStorage.getItem(storeKey); } catch (e) { token = null; }

  function el(tag, styles, text) {
    var node = document.createElement(tag);
    var name;
    for (name in styles) { if (Object.prototype.hasOwnProperty.call(styles, name)) { node.style[name] = styles[name]; } }
    if (text) { node.textContent = text; }
    return node;
  }

  var root = el("div", {position: "fixed", bottom: "16px", insetInlineEnd: "16px", zIndex: "2147483000",
    fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", fontSize: "14px"});
  root.setAttribute("dir", config.dir);
  root.setAttribute("lang", config.language);
  var toggle = el("button", {background: config.color, color: "#fff", border: "0", borderRadius: "24px",
    padding: "12px 18px", cursor: "pointer", boxShadow: "0 4px 14px rgba(0,0,0,.2)"}, config.labels.open);
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  var panel = el("div", {display: "none", flexDirection: "column", width: "320px", maxWidth: "calc(100vw - 32px)",
    height: "440px", maxHeight: "calc(100vh - 96px)", background: "#fff", color: "#111", borderRadius: "12px",
    boxShadow: "0 8px 30px rgba(0,0,0,.25)", overflow: "hidden", marginBlockEnd: "8px"});
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", config.name);
  var header = el("div", {background: config.color, color: "#fff", padding: "10px 14px", display: "flex",
    justifyContent: "space-between", alignItems: "center"});
  header.appendChild(el("strong", {}, config.name));
  var close = el("button", {background: "transparent", color: "#fff", border: "0", cursor: "pointer", fontSize: "18px"}, "×");
  close.type = "button";
  close.setAttribute("aria-label", config.labels.close);
  header.appendChild(close);
  var log = el("div", {flex: "1", overflowY: "auto", padding: "12px", display: "flex", flexDirection: "column", gap: "8px"});
  log.setAttribute("aria-live", "polite");
  var form = el("form", {display: "flex", borderBlockStart: "1px solid #e5e7eb"});
  var input = el("input", {flex: "1", border: "0", padding: "12px", fontSize: "14px", outline: "none", minWidth: "0"});
  input.type = "text";
  input.maxLength = config.maxLength;
  input.placeholder = config.labels.placeholder;
  input.setAttribute("aria-label", config.labels.placeholder);
  var send = el("button", {border: "0", background: "transparent", color: config.color, padding: "0 14px",
    cursor: "pointer", fontWeight: "600"}, config.labels.send);
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(toggle);

  function bubble(text, mine, sources) {
    var box = el("div", {alignSelf: mine ? "flex-end" : "flex-start", maxWidth: "85%", padding: "8px 12px",
      borderRadius: "12px", background: mine ? config.color : "#f3f4f6", color: mine ? "#fff" : "#111",
      whiteSpace: "pre-wrap", overflowWrap: "anywhere"}, text);
    if (sources && sources.length) {
      var list = el("div", {fontSize: "12px", opacity: "0.75", marginBlockStart: "6px"},
        config.labels.sources + ": " + sources.map(function (s) { return s.title; }).join(", "));
      box.appendChild(list);
    }
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
  }

  function setOpen(open) {
    panel.style.display = open ? "flex" : "none";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      if (!log.childNodes.length && config.greeting) { bubble(config.greeting, false); }
      input.focus();
    }
  }
  toggle.addEventListener("click", function () { setOpen(panel.style.display === "none"); });
  close.addEventListener("click", function () { setOpen(false); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    bubble(text, true);
    send.disabled = true;
    var body = {content: text};
    if (token) { body.visitor_token = token; }
    fetch(config.endpoint, {method: "POST", mode: "cors", credentials: "omit",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (response) {
        return response.json().then(function (data) { return {status: response.status, data: data}; });
      })
      .then(function (result) {
        if (result.status === 429) { bubble(config.labels.wait, false); return; }
        if (result.status !== 200) { bubble(config.labels.error, false); return; }
        token = result.data.visitor_token;
        try { window.localStorage.setItem(storeKey, token); } catch (e) { /* private mode */ }
        bubble(result.data.reply, false, result.data.sources);
      })
      .catch(function () { bubble(config.labels.error, false); })
      .then(function () { send.disabled = false; });
  });

  function mount() { document.body.appendChild(root); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
}());
