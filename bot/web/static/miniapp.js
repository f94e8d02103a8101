// Inside Telegram, the console opens as a Mini App: Telegram hands the page its signed initData in the
// address's fragment, which the server checks (bot/web/signin.py) before it starts a session.
(function () {
  var data = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData");
  var form = document.getElementById("mini-app");
  if (data && form) {
    form.elements["init_data"].value = data;
    form.submit();
  }
})();
