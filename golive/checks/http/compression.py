"""http.compression: text responses over 1 KB are served compressed (gzip, and br)."""

from __future__ import annotations

import gzip

import httpx
from pydantic import BaseModel, ConfigDict

from golive.checks import Check, CheckContext, higher, lower
from golive.results import Finding, Measurement, Severity

TEXT_TYPES = ("text/", "json", "javascript", "xml", "svg", "ecmascript", "wasm")


class CompressionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_bytes: int = 1024
    max_responses: int = 12


def fetch_raw(client: httpx.Client, path: str, encoding: str) -> tuple[httpx.Response, bytes]:
    """GET ``path`` and return the response with its body as sent on the wire."""
    with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as response:
        try:
            raw = b"".join(response.iter_raw())
        except httpx.StreamConsumed:  # a transport that hands over bodies already read
            raw = response.content
    return response, raw


def is_text(content_type: str) -> bool:
    return any(t in content_type.lower() for t in TEXT_TYPES)


class Compression(Check):
    id = "http.compression"
    title = "Compression of text responses"
    fix = "Enable gzip and brotli for text types (HTML, JSON, JS, CSS, SVG) over 1 KB."
    slo = ("compressed_pct >= 100%",)
    better = higher("compressed_pct", "saved_pct") | lower("transfer_bytes")
    Options = CompressionOptions

    def run(self, ctx: CheckContext) -> Measurement:
        opts: CompressionOptions = self.options  # type: ignore[assignment]
        site = ctx.site
        paths = list(site.get_endpoints[:4])
        paths += [a.url for a in site.static_assets if a.kind in ("script", "style")]
        paths += [site.config.openapi_path] if site.openapi else []
        paths += site.list_endpoints[:1]
        paths = list(dict.fromkeys(paths))[: opts.max_responses]
        rows, findings = [], []
        for path in paths:
            gz, gz_raw = fetch_raw(ctx.client, path, "gzip")
            ctype = gz.headers.get("content-type", "")
            gz_enc = gz.headers.get("content-encoding", "")
            size = len(gzip.decompress(gz_raw)) if gz_enc == "gzip" else len(gz_raw)
            if gz.status_code != 200 or not is_text(ctype) or size < opts.min_bytes:
                continue
            br, br_raw = fetch_raw(ctx.client, path, "br")
            br_enc = br.headers.get("content-encoding", "")
            rows.append({
                "path": path, "content_type": ctype, "bytes": size,
                "gzip": gz_enc == "gzip", "gzip_bytes": len(gz_raw),
                "br": br_enc == "br", "br_bytes": len(br_raw),
                "vary": gz.headers.get("vary", ""),
            })
            if gz_enc != "gzip" and br_enc != "br":
                findings.append(Finding(
                    "Text response sent uncompressed", Severity.HIGH, location=path,
                    detail=f"{size} bytes of {ctype.split(';')[0]} with no Content-Encoding",
                    fix=self.fix,
                ))
            elif br_enc != "br" or gz_enc != "gzip":
                missing = "br" if br_enc != "br" else "gzip"
                got = (br_enc if missing == "br" else gz_enc) or "identity"
                findings.append(Finding(
                    f"No {missing} encoding offered", Severity.LOW, location=path,
                    detail=f"Accept-Encoding: {missing} got '{got}'",
                    fix=f"Add {missing} to the server's compression settings.",
                ))
            if (gz_enc or br_enc) and "accept-encoding" not in gz.headers.get("vary", "").lower():
                findings.append(Finding(
                    "Compressed response without Vary: Accept-Encoding", Severity.LOW,
                    location=path, detail="shared caches may serve the wrong encoding",
                    fix="Send Vary: Accept-Encoding with compressed responses.",
                ))
        if not rows:
            return Measurement.skip(
                f"no text response of {opts.min_bytes} bytes or more among {len(paths)} paths",
                enable="list larger endpoints in [target] static_paths or list_endpoints",
            )
        total = sum(r["bytes"] for r in rows)
        best = sum(min(r["gzip_bytes"] if r["gzip"] else r["bytes"],
                       r["br_bytes"] if r["br"] else r["bytes"]) for r in rows)
        compressed = sum(1 for r in rows if r["gzip"] or r["br"])
        metrics = {
            "responses": float(len(rows)),
            "compressed_pct": round(100.0 * compressed / len(rows), 1),
            "br_pct": round(100.0 * sum(1 for r in rows if r["br"]) / len(rows), 1),
            "bytes": float(total),
            "transfer_bytes": float(best),
            "saved_pct": round(100.0 * (total - best) / total, 1) if total else 0.0,
        }
        return Measurement(
            metrics=metrics, findings=findings, evidence={"responses": rows},
            summary=f"{compressed}/{len(rows)} text responses compressed, "
            f"{total} -> {best} bytes",
        )
