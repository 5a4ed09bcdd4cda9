// Images and files through the SDK on the local stack: hashed with WebCrypto, uploaded to moto's presigned URL (or
// 秒传), sent, received with their stored sizes and URLs (skipped without a stack, as stack.test.mjs).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { YuntongChat, hasStack, importAccounts, loggedIn, names, until } from "./helpers.mjs";

const { TYPES } = YuntongChat;
const opened = [];
after(async () => {
  for (const c of opened) await c.destroy();
});

// a 2x1 PNG (red, green), made by hand so the test needs no image library
const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGP4z8DA8J8BAAf/Af8Bf4mnAAAAAElFTkSuQmCC",
  ),
  (c) => c.charCodeAt(0),
);

describe("media through the SDK", { skip: !hasStack && "no stack (run through tests/e2e/test_sdk.py)" }, () => {
  test("an image and a file are uploaded, sent and received; the same image again is not uploaded", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const A = await loggedIn(a);
    const B = await loggedIn(b);
    opened.push(A, B);
    // unique bytes per run (a trailing chunk-less byte is ignored by decoders but changes the hash)
    const bytes = new Uint8Array([...PNG, ...new TextEncoder().encode(a)]);
    const file = new File([bytes], "dot.png", { type: "image/png" });
    const image = A.createImageMessage({ to: b, conversationType: TYPES.CONV_C2C, payload: { file } });
    const sent = await A.sendMessage(image);
    assert.equal(sent.code, 0);
    const infos = sent.data.message.payload.imageInfoArray;
    assert.deepEqual(
      infos.map((i) => [i.type, i.width, i.height]),
      [
        [1, 2, 1],
        [2, 2, 1],
        [3, 2, 1],
      ],
    );
    const original = await fetch(infos[0].url);
    assert.equal(original.status, 200);
    assert.deepEqual(new Uint8Array(await original.arrayBuffer()), bytes);

    const doc = new File([new TextEncoder().encode(`hello ${a}`)], "hello.txt", { type: "text/plain" });
    const fileMsg = A.createFileMessage({ to: b, conversationType: TYPES.CONV_C2C, payload: { file: doc } });
    assert.equal((await A.sendMessage(fileMsg)).code, 0);

    await until(() => B.received().length === 2, 10_000, "B receives both");
    const [gotImage, gotFile] = B.received();
    assert.equal(gotImage.type, TYPES.MSG_IMAGE);
    assert.equal(gotImage.payload.imageInfoArray[0].width, 2);
    assert.equal(gotFile.type, TYPES.MSG_FILE);
    assert.equal(gotFile.payload.fileName, "hello.txt");
    assert.equal(await (await fetch(gotFile.payload.fileUrl)).text(), `hello ${a}`);

    // B sends the same picture back: 秒传 (the storage is not asked; fetch would fail on a bad URL anyway)
    const again = await B.callServer("yuntong_media/upload", {
      SHA256: gotImage.payload.uuid,
      Size: bytes.length,
      Type: "image",
      ContentType: "image/png",
    });
    assert.equal(again.data.Stored, 1);
  });
});
