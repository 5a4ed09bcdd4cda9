/**
 * Media uploads (images, files): SHA-256 with WebCrypto, `yuntong_media/upload` (秒传 when the app already holds the
 * bytes), a form POST to the presigned S3 URL, `yuntong_media/complete`, and the message element naming the object.
 */
import { TYPES } from "./constants";
import type { Element, Json } from "./message";

type Rpc = (cmd: string, body: Json) => Promise<Json>;

/** A File/Blob, or an `<input type="file">` (its first file), as Tencent's `payload.file`. */
export function blobOf(file: unknown): Blob | undefined {
  const input = file as { files?: ArrayLike<Blob> } | undefined;
  if (input && typeof input === "object" && input.files && input.files.length) return input.files[0];
  if (typeof Blob !== "undefined" && file instanceof Blob) return file;
  return undefined;
}

export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The stored object ({UUID, URL, ImageInfoArray...}): uploaded unless the app holds the same bytes already. */
export async function uploadBlob(rpc: Rpc, blob: Blob, kind: "image" | "file"): Promise<Json> {
  const bytes = await blob.arrayBuffer();
  const sha = await sha256Hex(bytes);
  const name = (blob as { name?: string }).name ?? "";
  const contentType = blob.type || (kind === "image" ? "image/png" : "application/octet-stream");
  const declared = { SHA256: sha, Size: bytes.byteLength, Type: kind, ContentType: contentType, Name: name };
  const answer = await rpc("yuntong_media/upload", declared);
  if (Number(answer.Stored) === 1) return answer;
  const upload = answer.Upload as { URL: string; Fields: Record<string, string> };
  const form = new FormData();
  for (const [k, v] of Object.entries(upload.Fields)) form.append(k, v);
  form.append("file", new Blob([bytes], { type: contentType }), name || "upload");
  const posted = await fetch(upload.URL, { method: "POST", body: form });
  if (!posted.ok) throw new Error(`upload refused by storage: HTTP ${posted.status}`);
  return rpc("yuntong_media/complete", { SHA256: sha, UploadId: String(answer.UploadId) });
}

/** The wire element naming a stored object (the server fills in its stored sizes and URLs again anyway). */
export function mediaElement(type: string, object: Json, blob: Blob): Element {
  if (type === TYPES.MSG_IMAGE) {
    return {
      MsgType: type,
      MsgContent: {
        UUID: String(object.UUID),
        ImageFormat: Number(object.ImageFormat ?? 255),
        ImageInfoArray: (object.ImageInfoArray as Json[]) ?? [],
      },
    };
  }
  return {
    MsgType: type,
    MsgContent: {
      UUID: String(object.UUID),
      Url: String(object.URL ?? ""),
      FileName: (blob as { name?: string }).name || String(object.Name ?? "file"),
      FileSize: Number(object.Size ?? blob.size),
      Download_Flag: 2,
    },
  };
}
