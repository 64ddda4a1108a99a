"""A page that is fast on a desktop and slow on a phone, as many single-page frontends are: a
render-blocking script of ~800 kB in <head> (cheap over a desktop link, seconds over a
throttled mobile one) that also keeps the main thread busy for a while (4x longer on
Lighthouse's simulated mobile CPU). Used to show that the form factor decides."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

#: a script that is big on the wire and spends ~150 ms of CPU on a desktop
SCRIPT = ("(function(){var t=performance.now();var x=0;"
          "while(performance.now()-t<150){x+=Math.sqrt(x+1)}window.__x=x})();\n"
          + "".join(f"var pad{i}='{'%032x' % (i * 2654435761)}';\n"
                    for i in range(16000))).encode()
PAGE = (b"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        b"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        b"<meta name='description' content='A page that is heavy on a phone'>"
        b"<title>Heavy on mobile</title><script src='/app.js'></script></head>"
        b"<body><main><h1>Catalogue</h1><p>Everything we sell, on one page.</p></main>"
        b"</body></html>")


class HeavyOnMobile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body, kind = (SCRIPT, "text/javascript") if self.path == "/app.js" else (
            PAGE, "text/html; charset=utf-8")
        if self.path not in ("/", "/app.js"):
            body, kind = b"not found", "text/plain"
        self.send_response(200 if self.path in ("/", "/app.js") else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass
