/*!
 * Backstop chat widget: a chat panel that talks to Backstop's Rasa server over socket.io.
 *
 * Embed it with a div and one script tag (the script loads its stylesheet and the
 * socket.io client from the folder it was loaded from):
 *
 *   <div id="backstop-chat" data-server="https://rasa.your-clinic.example"></div>
 *   <script src="https://widget-host.your-clinic.example/static/backstop-widget.js"></script>
 *
 * or, for a round chat button in the corner of every page, with the script tag alone:
 *
 *   <script src="https://widget-host.your-clinic.example/static/backstop-widget.js"
 *           data-mode="launcher" data-server="https://rasa.your-clinic.example"></script>
 *
 * Attributes (on the div; on the script tag when there is no div): data-server, data-mode
 * ("inline", the default: a panel where the div is; "launcher": a button that opens the panel),
 * data-title, data-subtitle, data-socket-path (default /socket.io).
 *
 * Safety: user and bot text is never parsed as HTML. Messages are turned into DOM nodes
 * (text nodes, <strong>, <ul>/<li>, <br>, <a> with http(s)/mailto/tel links only), which is
 * the same as escaping all HTML first and then applying a small markdown subset.
 */
(function () {
  "use strict";

  if (window.BackstopWidget && window.BackstopWidget.loaded) return; // the snippet was pasted twice

  var VERSION = "1.0.0";
  var HISTORY_LIMIT = 50;
  var TYPING_TIMEOUT_MS = 30000;
  var DISCLAIMER = "Information, not a diagnosis. In an emergency call your local emergency number.";
  var STORED_NOTICE =
    "Your messages are stored by the clinic to continue this conversation; don't share your name or contact details.";

  // ---------------------------------------------------------------- where we were loaded from
  var script =
    document.currentScript ||
    (function () {
      var all = document.querySelectorAll('script[src*="backstop-widget"]');
      return all.length ? all[all.length - 1] : null;
    })();
  var BASE = script && script.src ? new URL("./", script.src).href : new URL("/static/", location.href).href;

  // A setting from the widget's div, else from the script tag (the one-tag embedding).
  function setting(container, name) {
    return container.getAttribute(name) || (script && script.getAttribute(name)) || null;
  }

  var api = (window.BackstopWidget = { loaded: true, version: VERSION, instances: [] });

  // For tests and host pages: the formatted DOM of a bot text (never parsed as HTML).
  api.format = function (text) {
    var div = document.createElement("div");
    renderMarkdown(text, div);
    return div;
  };

  // ---------------------------------------------------------------- small helpers
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  // A small inline SVG icon (decorative: the button around it has the label).
  function icon(name, d) {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("class", "backstop-icon backstop-icon-" + name);
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
    return svg;
  }
  var CHAT_ICON = "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9.5L4 21.5V17a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z";
  var CLOSE_ICON = "M6 6l12 12M18 6L6 18";

  var uid = 0;
  function nextId(prefix) {
    uid += 1;
    return "backstop-" + prefix + "-" + uid;
  }

  var store = {
    get: function (key) {
      try {
        return window.localStorage.getItem(key);
      } catch (e) {
        return null; // storage disabled (private mode, blocked cookies): the chat still works
      }
    },
    set: function (key, value) {
      try {
        window.localStorage.setItem(key, value);
      } catch (e) {
        /* quota or disabled storage: not fatal */
      }
    },
    remove: function (key) {
      try {
        window.localStorage.removeItem(key);
      } catch (e) {
        /* ignore */
      }
    },
  };

  function loadStylesheet() {
    var href = BASE + "backstop-widget.css";
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) if (links[i].href === href) return Promise.resolve();
    return new Promise(function (resolve) {
      var link = el("link");
      link.rel = "stylesheet";
      link.href = href;
      link.onload = link.onerror = function () {
        resolve();
      };
      document.head.appendChild(link);
      setTimeout(resolve, 3000); // never keep the widget hidden because of a slow stylesheet
    });
  }

  function loadSocketIo() {
    if (typeof window.io === "function") return Promise.resolve(window.io);
    return new Promise(function (resolve, reject) {
      var tag = el("script");
      tag.src = BASE + "socket.io.min.js";
      tag.async = true;
      tag.onload = function () {
        if (typeof window.io === "function") resolve(window.io);
        else reject(new Error("socket.io client did not load"));
      };
      tag.onerror = function () {
        reject(new Error("could not load " + tag.src));
      };
      document.head.appendChild(tag);
    });
  }

  // ---------------------------------------------------------------- markdown subset -> DOM
  function safeUrl(raw) {
    try {
      var url = new URL(raw, location.href);
      return /^(https?:|mailto:|tel:)$/.test(url.protocol) ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function makeLink(href, label) {
    var a = el("a", "backstop-link", label);
    a.href = href;
    if (/^https?:/.test(href)) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.appendChild(el("span", "backstop-sr-only", " (opens in a new tab)"));
    }
    return a;
  }

  // **bold**, [label](url), bare http(s) URLs; everything else is plain text.
  var INLINE = /\*\*(.+?)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>"]+)/g;

  function renderInline(text, parent) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    var tokens = [];
    while ((match = INLINE.exec(text)) !== null) tokens.push({ m: match, index: match.index, end: INLINE.lastIndex });
    tokens.forEach(function (token) {
      var m = token.m;
      if (token.index > last) parent.appendChild(document.createTextNode(text.slice(last, token.index)));
      last = token.end;
      if (m[1] != null) {
        var strong = el("strong");
        renderInline(m[1], strong);
        parent.appendChild(strong);
      } else if (m[2] != null) {
        var href = safeUrl(m[3]);
        parent.appendChild(href ? makeLink(href, m[2]) : document.createTextNode(m[0]));
      } else {
        var url = m[4];
        var trail = /[.,;:!?)\]'"]+$/.exec(url);
        if (trail) url = url.slice(0, -trail[0].length);
        var safe = safeUrl(url);
        parent.appendChild(safe ? makeLink(safe, url) : document.createTextNode(url));
        if (trail) parent.appendChild(document.createTextNode(trail[0]));
      }
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // Paragraphs, line breaks and "- " bullet lists.
  function renderMarkdown(text, parent) {
    var lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    var list = null;
    var para = null;
    lines.forEach(function (line) {
      var bullet = /^\s*(?:[-•]|\*(?!\*))\s+(.*)$/.exec(line);
      if (bullet) {
        if (!list) {
          list = el("ul");
          parent.appendChild(list);
        }
        para = null;
        var li = el("li");
        renderInline(bullet[1], li);
        list.appendChild(li);
        return;
      }
      list = null;
      if (!line.trim()) {
        para = null;
        return;
      }
      if (para) para.appendChild(el("br"));
      else {
        para = el("p");
        parent.appendChild(para);
      }
      renderInline(line, para);
    });
  }

  function isEscalation(text) {
    return /^\s*\u26A0/.test(text || "");
  }

  // ---------------------------------------------------------------- one widget
  function Widget(container, io) {
    this.container = container;
    this.io = io;
    this.server = (setting(container, "data-server") || "http://localhost:5005").replace(/\/+$/, "");
    this.socketPath = setting(container, "data-socket-path") || "/socket.io";
    this.mode = setting(container, "data-mode") === "launcher" ? "launcher" : "inline";
    this.keySession = "backstop:" + this.server + ":session";
    this.keyHistory = "backstop:" + this.server + ":history";
    this.keyOpen = "backstop:" + this.server + ":open";
    this.keyUnread = "backstop:" + this.server + ":unread";
    this.sessionId = store.get(this.keySession);
    this.history = this.loadHistory();
    this.ready = false;
    this.outbox = [];
    this.typingTimer = null;
    this.build();
    if (this.mode === "launcher") this.buildLauncher();
    this.restore();
    this.connect();
  }

  Widget.prototype.loadHistory = function () {
    try {
      var data = JSON.parse(store.get(this.keyHistory) || "null");
      if (data && data.sessionId === this.sessionId && Array.isArray(data.messages)) return data.messages;
    } catch (e) {
      /* corrupt history: start empty */
    }
    return [];
  };

  Widget.prototype.saveHistory = function () {
    if (this.history.length > HISTORY_LIMIT) this.history = this.history.slice(-HISTORY_LIMIT);
    if (!this.sessionId) return;
    store.set(this.keyHistory, JSON.stringify({ sessionId: this.sessionId, messages: this.history }));
  };

  Widget.prototype.build = function () {
    var c = this.container;
    var title = (this.title = setting(c, "data-title") || "Backstop");
    var subtitle = setting(c, "data-subtitle") || "Back pain after a workout? Ask me.";
    var titleId = nextId("title");
    var inputId = nextId("input");
    var noticeId = nextId("notice");

    while (c.firstChild) c.removeChild(c.firstChild);
    c.classList.add("backstop-host");

    var root = (this.root = el("section", "backstop-widget"));
    root.id = nextId("panel");
    root.setAttribute("aria-labelledby", titleId);

    var header = (this.header = el("header", "backstop-header"));
    var avatar = el("span", "backstop-avatar", "B");
    avatar.setAttribute("aria-hidden", "true");
    var heading = el("div", "backstop-heading");
    var h = el("h2", "backstop-title", title);
    h.id = titleId;
    heading.appendChild(h);
    heading.appendChild(el("p", "backstop-subtitle", subtitle));
    var reset = (this.resetButton = el("button", "backstop-reset", "New chat"));
    reset.type = "button";
    reset.setAttribute("aria-label", "Start a new chat (clears this conversation from this device)");
    reset.addEventListener("click", this.reset.bind(this));
    header.appendChild(avatar);
    header.appendChild(heading);
    header.appendChild(reset);

    var status = (this.statusEl = el("div", "backstop-status"));
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    var scroller = (this.scroller = el("div", "backstop-scroll"));
    // Focusable, so that a long conversation can be scrolled with the keyboard (WCAG 2.1.1).
    scroller.tabIndex = 0;
    scroller.setAttribute("role", "group");
    scroller.setAttribute("aria-label", "Messages");

    var notice = el("div", "backstop-notice");
    notice.id = noticeId;
    var disclaimer = el("p", "backstop-disclaimer");
    var icon = el("span", "backstop-notice-icon", "i");
    icon.setAttribute("aria-hidden", "true");
    disclaimer.appendChild(icon);
    disclaimer.appendChild(el("span", null, DISCLAIMER));
    notice.appendChild(disclaimer);
    notice.appendChild(el("p", "backstop-stored", STORED_NOTICE));

    var log = (this.log = el("div", "backstop-log"));
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", "Conversation with " + title);

    var typing = (this.typingEl = el("div", "backstop-typing"));
    typing.hidden = true;
    var dots = el("span", "backstop-dots");
    dots.setAttribute("aria-hidden", "true");
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    typing.appendChild(dots);
    typing.appendChild(el("span", "backstop-sr-only", title + " is typing…"));

    scroller.appendChild(notice);
    scroller.appendChild(log);
    scroller.appendChild(typing);

    var form = (this.form = el("form", "backstop-form"));
    form.setAttribute("novalidate", "");
    var label = el("label", "backstop-sr-only", "Message to " + title);
    label.htmlFor = inputId;
    var input = (this.input = el("input", "backstop-input"));
    input.id = inputId;
    input.type = "text";
    input.autocomplete = "off";
    input.maxLength = 1000;
    input.placeholder = "Type your message…";
    input.setAttribute("aria-describedby", noticeId);
    var send = (this.sendButton = el("button", "backstop-send", "Send"));
    send.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);
    form.addEventListener("submit", this.onSubmit.bind(this));

    root.appendChild(header);
    root.appendChild(status);
    root.appendChild(scroller);
    root.appendChild(form);
    c.appendChild(root);
    this.setStatus("connecting");
  };

  Widget.prototype.setStatus = function (state) {
    this.state = state;
    var text = {
      connecting: "Connecting…",
      reconnecting: "Reconnecting… your messages will be sent when the connection is back.",
      connected: "",
    }[state];
    this.root.setAttribute("data-state", state);
    this.statusEl.textContent = text || "";
    this.statusEl.hidden = !text;
  };

  Widget.prototype.scrollToEnd = function () {
    var s = this.scroller;
    s.scrollTop = s.scrollHeight;
  };

  // Render one message (from the server or from history) without saving it.
  Widget.prototype.render = function (item) {
    var row = el("div", "backstop-row backstop-row-" + item.from);
    var bubble = el("div", "backstop-msg backstop-" + item.from);
    var who = el("span", "backstop-sr-only", item.from === "user" ? "You said: " : this.title + ": ");
    bubble.appendChild(who);
    if (item.from === "bot" && isEscalation(item.text)) bubble.classList.add("backstop-escalation");
    else if (item.detail) bubble.classList.add("backstop-escalation-detail");
    var body = el("div", "backstop-text");
    bubble.appendChild(body);
    if (item.text) {
      if (item.from === "bot") renderMarkdown(item.text, body);
      else body.appendChild(el("p", null, item.text)); // user text: always literal
    }
    if (item.image) {
      var src = safeUrl(item.image);
      if (src && /^https?:/.test(src)) {
        var img = el("img", "backstop-image");
        img.src = src;
        img.alt = "";
        img.loading = "lazy";
        body.appendChild(img);
      }
    }
    row.appendChild(bubble);
    this.log.appendChild(row);
    if (item.from === "bot" && item.buttons && item.buttons.length && !item.answered) this.renderButtons(item);
    this.scrollToEnd();
    return row;
  };

  Widget.prototype.renderButtons = function (item) {
    var self = this;
    this.removeButtons();
    var group = (this.buttonGroup = el("div", "backstop-quick-replies"));
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    item.buttons.forEach(function (b) {
      var button = el("button", "backstop-quick-reply", b.title);
      button.type = "button";
      button.addEventListener("click", function () {
        self.sendMessage(b.payload, b.title);
        self.input.focus();
      });
      group.appendChild(button);
    });
    this.log.appendChild(group);
  };

  Widget.prototype.removeButtons = function () {
    if (this.buttonGroup && this.buttonGroup.parentNode) this.buttonGroup.parentNode.removeChild(this.buttonGroup);
    this.buttonGroup = null;
  };

  // The user answered: the offered buttons go away for good (also after a reload).
  Widget.prototype.clearButtons = function () {
    this.removeButtons();
    var changed = false;
    this.history.forEach(function (m) {
      if (m.buttons && !m.answered) {
        m.answered = true;
        changed = true;
      }
    });
    if (changed) this.saveHistory();
  };

  Widget.prototype.add = function (item) {
    item.t = Date.now();
    this.history.push(item);
    this.saveHistory();
    return this.render(item);
  };

  Widget.prototype.restore = function () {
    var self = this;
    this.history.forEach(function (item) {
      self.render(item);
    });
  };

  Widget.prototype.showTyping = function (on) {
    var self = this;
    clearTimeout(this.typingTimer);
    this.typingEl.hidden = !on;
    if (on) {
      this.typingTimer = setTimeout(function () {
        self.typingEl.hidden = true;
      }, TYPING_TIMEOUT_MS);
      this.scrollToEnd();
    }
  };

  // ---------------------------------------------------------------- transport
  Widget.prototype.connect = function () {
    var self = this;
    var socket = (this.socket = this.io(this.server, {
      path: this.socketPath,
      // WebSocket first (no CORS needed), long-polling if a proxy blocks WebSockets.
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelayMax: 10000,
    }));

    socket.on("connect", function () {
      socket.emit("session_request", { session_id: self.sessionId || null });
    });

    socket.on("session_confirm", function (data) {
      var id = data && typeof data === "object" ? data.session_id : data;
      if (!id) return;
      if (self.sessionId && id !== self.sessionId) {
        // The server gave us a different conversation: the old history does not belong to it.
        self.history = [];
        self.clearLog();
      }
      self.sessionId = String(id);
      store.set(self.keySession, self.sessionId);
      self.root.setAttribute("data-session-id", self.sessionId);
      self.saveHistory();
      self.ready = true;
      self.setStatus("connected");
      self.flush();
    });

    socket.on("bot_uttered", function (msg) {
      self.onBotMessage(msg);
    });

    socket.on("disconnect", function (reason) {
      self.ready = false;
      if (reason === "io client disconnect") return; // our own reset(): it reconnects at once
      self.setStatus("reconnecting");
      if (reason === "io server disconnect") socket.connect(); // the server closed us: try again
    });

    socket.on("connect_error", function () {
      self.ready = false;
      self.setStatus(self.state === "connecting" ? "connecting" : "reconnecting");
    });

    socket.io.on("reconnect_attempt", function () {
      self.setStatus("reconnecting");
    });
  };

  // ---------------------------------------------------------------- launcher mode
  // A round button fixed in a corner opens and closes the panel. Open/closed and the number of
  // bot messages not yet seen are kept in localStorage, like the conversation.
  Widget.prototype.buildLauncher = function () {
    var self = this;
    var c = this.container;
    c.classList.add("backstop-launcher-mode");

    var button = (this.launcher = el("button", "backstop-launcher"));
    button.type = "button";
    button.setAttribute("aria-controls", this.root.id);
    button.appendChild(icon("chat", CHAT_ICON));
    button.appendChild(icon("close", CLOSE_ICON));
    var badge = (this.badge = el("span", "backstop-badge"));
    badge.setAttribute("aria-hidden", "true"); // the count is in the button's label
    button.appendChild(badge);
    button.addEventListener("click", function () {
      self.setOpen(!self.open, true);
    });
    c.insertBefore(button, this.root);

    var close = el("button", "backstop-close");
    close.type = "button";
    close.setAttribute("aria-label", "Close chat");
    close.appendChild(icon("close", CLOSE_ICON));
    close.addEventListener("click", function () {
      self.setOpen(false, true);
    });
    this.header.appendChild(close);

    // Says "1 new message" to screen readers: the log is hidden while the panel is closed.
    var announcer = (this.announcer = el("div", "backstop-sr-only"));
    announcer.setAttribute("role", "status");
    c.appendChild(announcer);

    c.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && self.open) {
        event.preventDefault();
        self.setOpen(false, true);
      }
    });

    // Room at the end of the page, so that the page's last links can be scrolled clear of the button.
    var spacer = el("div", "backstop-launcher-spacer");
    spacer.setAttribute("aria-hidden", "true");
    document.body.appendChild(spacer);

    this.unread = parseInt(store.get(this.keyUnread), 10) || 0;
    this.setOpen(store.get(this.keyOpen) === "1", false);
  };

  // byUser: the person pressed a button or Escape, so focus follows (never on page load).
  Widget.prototype.setOpen = function (open, byUser) {
    this.open = open;
    this.root.hidden = !open;
    this.container.classList.toggle("backstop-open", open);
    store.set(this.keyOpen, open ? "1" : "0");
    if (open) this.setUnread(0);
    else this.updateLauncher();
    if (open) this.scrollToEnd();
    if (byUser) (open ? this.input : this.launcher).focus();
  };

  Widget.prototype.setUnread = function (n) {
    this.unread = n;
    store.set(this.keyUnread, String(n));
    this.updateLauncher();
    if (n) this.announcer.textContent = n + (n === 1 ? " new message" : " new messages") + " from " + this.title;
  };

  Widget.prototype.updateLauncher = function () {
    var n = this.open ? 0 : this.unread;
    var label = (this.open ? "Close chat with " : "Open chat with ") + this.title;
    if (n) label += ", " + n + (n === 1 ? " new message" : " new messages");
    this.launcher.setAttribute("aria-label", label);
    this.launcher.setAttribute("aria-expanded", String(this.open));
    this.badge.textContent = n > 9 ? "9+" : String(n);
    this.badge.hidden = !n;
  };

  Widget.prototype.onBotMessage = function (msg) {
    if (!msg || typeof msg !== "object") return;
    this.showTyping(false);
    var buttons = msg.quick_replies || msg.buttons || [];
    var item = { from: "bot", text: typeof msg.text === "string" ? msg.text : "" };
    buttons = buttons
      .filter(function (b) {
        return b && b.title != null && b.payload != null;
      })
      .map(function (b) {
        return { title: String(b.title), payload: String(b.payload) };
      });
    if (buttons.length) item.buttons = buttons;
    var att = msg.attachment;
    if (att && att.type === "image" && att.payload && att.payload.src) item.image = String(att.payload.src);
    if (!item.text && !item.buttons && !item.image) return;
    // The "why" and "who to call" parts that follow an escalation in the same reply belong to it.
    var prev = this.history[this.history.length - 1];
    if (prev && prev.from === "bot" && (isEscalation(prev.text) || prev.detail) && !item.buttons &&
        !isEscalation(item.text) && Date.now() - prev.t < 5000) item.detail = true;
    this.add(item);
    if (this.mode === "launcher" && !this.open) this.setUnread(this.unread + 1);
  };

  Widget.prototype.flush = function () {
    while (this.ready && this.outbox.length) {
      this.socket.emit("user_uttered", { message: this.outbox.shift(), session_id: this.sessionId });
    }
  };

  // Send `message` to the bot and show `shown` (a button's title) or the message itself.
  Widget.prototype.sendMessage = function (message, shown) {
    message = String(message || "").trim();
    if (!message) return;
    this.clearButtons();
    this.add({ from: "user", text: shown != null ? String(shown) : message });
    this.outbox.push(message);
    this.showTyping(true);
    this.flush();
  };

  Widget.prototype.onSubmit = function (event) {
    event.preventDefault();
    var text = this.input.value.trim();
    if (!text) {
      this.input.focus();
      return;
    }
    this.input.value = "";
    this.sendMessage(text);
    this.input.focus();
  };

  Widget.prototype.clearLog = function () {
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    this.buttonGroup = null;
  };

  // Forget this conversation on this device and start a new one.
  Widget.prototype.reset = function () {
    store.remove(this.keySession);
    store.remove(this.keyHistory);
    this.sessionId = null;
    this.history = [];
    this.outbox = [];
    this.clearLog();
    this.showTyping(false);
    if (this.mode === "launcher") this.setUnread(0);
    this.root.removeAttribute("data-session-id");
    this.ready = false;
    this.setStatus("connecting");
    this.socket.disconnect();
    this.socket.connect();
    this.input.focus();
  };

  // ---------------------------------------------------------------- start
  function containers() {
    var found = Array.prototype.slice.call(document.querySelectorAll("#backstop-chat, [data-backstop-chat]"));
    return found.filter(function (c, i) {
      return found.indexOf(c) === i && !c.getAttribute("data-backstop-started");
    });
  }

  function start() {
    var targets = containers();
    var anyDiv = document.querySelector("#backstop-chat, [data-backstop-chat]");
    if (!anyDiv && script && (script.hasAttribute("data-server") || script.hasAttribute("data-mode"))) {
      // The one-tag embedding: the widget adds its own element, configured by the script tag.
      var own = el("div");
      own.setAttribute("data-backstop-chat", "");
      document.body.appendChild(own);
      targets = [own];
    }
    if (!targets.length) return;
    targets.forEach(function (c) {
      c.setAttribute("data-backstop-started", "1");
    });
    Promise.all([loadStylesheet(), loadSocketIo()]).then(
      function (results) {
        var io = results[1];
        targets.forEach(function (c) {
          api.instances.push(new Widget(c, io));
        });
      },
      function (err) {
        targets.forEach(function (c) {
          var p = el("p", "backstop-error", "The chat could not be loaded. Please try again later.");
          p.setAttribute("role", "alert");
          c.appendChild(p);
        });
        if (window.console) console.error("Backstop widget:", err);
      }
    );
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
