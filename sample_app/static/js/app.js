// sample_app: refresh the note list from the API every 10 seconds.
(function () {
  "use strict";
  var list = document.getElementById("notes");
  if (!list || !window.fetch) { return; }

  function render(notes) {
    list.textContent = "";
    notes.forEach(function (note) {
      var item = document.createElement("li");
      var title = document.createElement("strong");
      var words = document.createElement("span");
      title.textContent = note.title;
      words.className = "words";
      words.textContent = " " + (note.words === null ? "…" : note.words) + " words";
      item.appendChild(title);
      item.appendChild(words);
      list.appendChild(item);
    });
  }

  function refresh() {
    fetch("/api/v1/notes?limit=20")
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(render)
      .catch(function () {});
  }

  setInterval(refresh, 10000);
})();
