// 朗读 (read aloud): reads the page's title and text in Mandarin with the browser's own
// speech synthesis (Web Speech API, zh-CN). The controls are in the page, hidden; they are
// shown only where the browser can speak. What is read is the text the page shows in the
// elements the control names (data-read: CSS selectors), never the navigation.
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") { return; }
  var MAX = 160;  // long utterances are cut off by some engines: speak sentence by sentence

  function pieces(text) {
    var out = [];
    // Each sentence with its closing mark (no look-behind: older Safari cannot parse it).
    var sentences = text.replace(/[ \t\u00a0]+/g, " ").match(/[^。！？；!?;\n]+[。！？；!?;\n]*/g) || [];
    var current = "";
    sentences.forEach(function (s) {
      s = s.trim();
      if (!s) { return; }
      if ((current + s).length > MAX && current) { out.push(current); current = ""; }
      while (s.length > MAX) { out.push(s.slice(0, MAX)); s = s.slice(MAX); }
      current += s;
    });
    if (current) { out.push(current); }
    return out;
  }

  function textOf(control) {
    var parts = [];
    (control.getAttribute("data-read") || "").split(",").forEach(function (selector) {
      document.querySelectorAll(selector.trim()).forEach(function (el) {
        var text = (el.innerText || "").trim();
        if (text) { parts.push(text); }
      });
    });
    return parts.join("\n");
  }

  function chineseVoice() {
    var voices = synth.getVoices ? synth.getVoices() : [];
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").replace("_", "-").toLowerCase();
      if (lang === "zh-cn" || lang === "cmn-cn" || lang === "cmn-hans-cn") { return voices[i]; }
    }
    return null;
  }

  function wire(control) {
    if (control.getAttribute("data-wired")) { return; }
    control.setAttribute("data-wired", "1");
    var start = control.querySelector(".read-start");
    var pause = control.querySelector(".read-pause");
    var stop = control.querySelector(".read-stop");
    var rate = control.querySelector(".read-rate");
    var status = control.querySelector(".read-status");
    var speaking = false;
    var paused = false;

    function set(state, message) {
      speaking = state !== "idle";
      paused = state === "paused";
      start.disabled = speaking;
      pause.disabled = !speaking;
      stop.disabled = !speaking;
      pause.textContent = state === "paused" ? "继续" : "暂停";
      if (status) { status.textContent = message || ""; }
    }

    start.addEventListener("click", function () {
      synth.cancel();
      var queue = pieces(textOf(control));
      if (!queue.length) { return; }
      var voice = chineseVoice();
      queue.forEach(function (piece, index) {
        var utterance = new window.SpeechSynthesisUtterance(piece);
        utterance.lang = "zh-CN";
        utterance.rate = parseFloat(rate.value) || 1;
        if (voice) { utterance.voice = voice; }
        if (index === queue.length - 1) {
          utterance.onend = function () { set("idle", "朗读完毕"); };
        }
        utterance.onerror = function () { set("idle", ""); };
        synth.speak(utterance);
      });
      set("speaking", "正在朗读");
    });
    pause.addEventListener("click", function () {
      if (paused) { synth.resume(); set("speaking", "正在朗读"); }
      else { synth.pause(); set("paused", "已暂停"); }
    });
    stop.addEventListener("click", function () { synth.cancel(); set("idle", "已停止"); });
    window.addEventListener("pagehide", function () { if (speaking) { synth.cancel(); } });
    set("idle", "");
    control.hidden = false;
  }

  document.querySelectorAll(".read-aloud").forEach(wire);
}());
