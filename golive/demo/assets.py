"""The shop's static assets, generated in memory at start-up (fingerprinted names)."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

from PIL import Image, ImageDraw

from golive.demo.font import FAMILY, build_font


@dataclass(frozen=True)
class StaticFile:
    path: str  # URL path, fingerprinted
    body: bytes
    content_type: str
    etag: str


def _fingerprint(name: str, ext: str, body: bytes, content_type: str) -> StaticFile:
    digest = hashlib.sha256(body).hexdigest()
    return StaticFile(f"/static/{name}.{digest[:10]}.{ext}", body, content_type,
                      f'"{digest[:16]}"')


CSS = """
:root{--ink:#1d1d1f;--accent:#0b57d0;--muted:#5f6368}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--ink)}
header{display:flex;justify-content:space-between;align-items:center;padding:16px 24px;
border-bottom:1px solid #e0e0e0}header h1{margin:0;font-size:22px}
nav a{margin-left:16px;color:var(--accent);text-decoration:none}
main{max-width:1100px;margin:0 auto;padding:24px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:20px}
header h1{font-family:"Golive Pixel",system-ui,sans-serif;letter-spacing:1px}
.card{border:1px solid #e0e0e0;border-radius:8px;padding:12px}
.card img{width:100%;height:auto;aspect-ratio:4/3;border-radius:6px;background:#f1f3f4}
.card h2{font-size:16px;margin:8px 0 4px}.price{font-weight:600}.muted{color:var(--muted)}
button{background:var(--accent);color:#fff;border:0;border-radius:6px;padding:8px 14px;
font-size:15px;cursor:pointer}footer{padding:24px;text-align:center;color:var(--muted)}
"""

JS = """
(function () {
  'use strict';
  var cart = [];
  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest('button[data-product]');
    if (!btn) return;
    cart.push(Number(btn.dataset.product));
    var badge = document.getElementById('cart-count');
    if (badge) badge.textContent = String(cart.length);
    btn.textContent = 'Added';
  });
  if ('serviceWorker' in navigator) {
    window.addEventListener('load', function () {
      navigator.serviceWorker.register('/sw.js').catch(function () {});
    });
  }
})();
"""

SERVICE_WORKER = """'use strict';
const CACHE = 'golive-shop-%(version)s';
const PRECACHE = %(precache)s;
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
  self.skipWaiting();
});
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((key) => key !== CACHE).map((key) => caches.delete(key)))));
  self.clients.claim();
});
// static files are fingerprinted: cache first, then the network (and keep the answer)
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || !url.pathname.startsWith('/static/')) return;
  event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)
    .then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(event.request, copy));
      }
      return response;
    })));
});
"""


def service_worker(assets: dict[str, StaticFile]) -> bytes:
    """The shop's service worker: precaches the CSS, JS, font and icon (not the images)."""
    precache = sorted(p for p in assets if p.endswith((".css", ".js", ".woff", ".svg")))
    version = hashlib.sha256("".join(precache).encode()).hexdigest()[:10]
    return (SERVICE_WORKER % {"version": version,
                              "precache": json.dumps(precache)}).encode()


def _big_bundle() -> str:
    """A 'vendor' bundle of the kind that ships a whole library for one button."""
    parts = [JS]
    for i in range(11000):
        parts.append(
            f"function vendorHelper{i}(a,b){{var r=[];for(var k=0;k<a.length;k++)"
            f"{{r.push((a[k]*{i % 97}+b)%{1 + i % 89});}}return r.join('-');}}\n")
    return "".join(parts)


ICON = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
        b'<rect width="16" height="16" rx="3" fill="#0b57d0"/>'
        b'<path d="M4 8l3 3 5-6" stroke="#fff" stroke-width="2" fill="none"/></svg>')


def _font_face(url: str, *, display: bool) -> str:
    swap = ";font-display:swap" if display else ""
    return f'@font-face{{font-family:"{FAMILY}";src:url({url}) format("woff"){swap}}}\n'


def _image(n: int, *, big: bool) -> bytes:
    size = (1600, 1200) if big else (240, 180)
    img = Image.new("RGB", size, ((n * 53) % 255, (n * 97) % 255, (n * 151) % 255))
    draw = ImageDraw.Draw(img)
    for k in range(0, size[0], 40 if big else 20):
        draw.line([(k, 0), (size[0] - k, size[1])], fill=((k * 3) % 255, 200, 120), width=3)
    draw.text((size[0] // 10, size[1] // 10), f"Product {n}", fill=(255, 255, 255))
    out = io.BytesIO()
    if big:
        img.save(out, "PNG", compress_level=0)
    else:
        img.save(out, "WEBP", quality=70)
    return out.getvalue()


def build_assets(*, big_bundle: bool, unoptimized_images: bool, font_display: bool = True,
                 images: int = 8) -> dict[str, StaticFile]:
    font = _fingerprint("display", "woff", build_font(), "font/woff")
    css = _font_face(font.path, display=font_display) + CSS
    files = [
        font,
        _fingerprint("icon", "svg", ICON, "image/svg+xml"),
        _fingerprint("app", "css", css.encode(), "text/css; charset=utf-8"),
        _fingerprint("app", "js", (_big_bundle() if big_bundle else JS).encode(),
                     "text/javascript; charset=utf-8"),
    ]
    for n in range(1, images + 1):
        body = _image(n, big=unoptimized_images)
        ext, ctype = ("png", "image/png") if unoptimized_images else ("webp", "image/webp")
        files.append(_fingerprint(f"product-{n}", ext, body, ctype))
    return {f.path: f for f in files}
