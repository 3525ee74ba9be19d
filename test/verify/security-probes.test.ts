// The security checks every image gets (setgid programs, queue and config modes, history and
// labels), against canned container output and histories copied from real images.
import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../src/io/docker/engine.js";
import { imageFacts, imageLeaks, judgeImage, parseStep, type ImageFacts } from "../../src/io/verify/image-leaks.js";
import { parseStat, postfixFilesRecord } from "../../src/io/verify/permission-probes.js";
import { runProbe, type ProbeContext } from "../../src/io/verify/probe-handlers.js";
import { TEMPLATE_ARGS } from "../../src/core/verify/checks.js";
import { fakePostfix, type Rule } from "./fake-postfix.js";

const SETGID = { kind: "setgid", programs: ["postdrop", "postqueue"], group: "postdrop" } as const;
const stat = (lines: string[]): Rule[1] => ({ out: lines.join("\n") });

describe("setgid", () => {
  it("passes when both programs are setgid group postdrop, naming the directory", async () => {
    const c = fakePostfix([["command_directory", stat(["/usr/sbin", "root:postdrop 2755 postdrop", "root:postdrop 2755 postqueue"])]]);
    expect(await runProbe(c, { ...SETGID, programs: [...SETGID.programs] })).toEqual({
      ok: true,
      detail: "postdrop root:postdrop 2755, postqueue root:postdrop 2755 (in /usr/sbin)",
    });
    expect(c.commands[0]).toContain("stat -c '%U:%G %a %n' postdrop postqueue");
  });

  it("fails on a missing setgid bit, a wrong group, or a missing program", async () => {
    const c = fakePostfix([["command_directory", stat(["/usr/sbin", "root:root 2755 postdrop", "root:postdrop 755 postqueue"])]]);
    expect(await runProbe(c, { ...SETGID, programs: [...SETGID.programs] })).toEqual({
      ok: false,
      detail: "not setgid postdrop: postdrop root:root 2755, postqueue root:postdrop 755 (in /usr/sbin)",
    });
    const gone = fakePostfix([
      [
        "command_directory",
        { code: 1, out: "/usr/sbin\nroot:postdrop 2755 postdrop", err: "stat: cannot statx 'postqueue': No such file or directory" },
      ],
    ]);
    expect(await runProbe(gone, { ...SETGID, programs: [...SETGID.programs] })).toEqual({
      ok: false,
      detail: "in /usr/sbin: postqueue: stat: cannot statx 'postqueue': No such file or directory",
    });
  });
});

describe("config-modes", () => {
  const probe = { kind: "config-modes", files: ["main.cf", "master.cf"] } as const;
  it("passes when neither file is group- or world-writable", async () => {
    const c = fakePostfix([["config_directory", stat(["/etc/postfix", "root:root 644 main.cf", "root:root 600 master.cf"])]]);
    expect(await runProbe(c, { ...probe, files: [...probe.files] })).toEqual({
      ok: true,
      detail: "main.cf root:root 644, master.cf root:root 600 (in /etc/postfix)",
    });
  });

  it("fails on a group- or world-writable file", async () => {
    const c = fakePostfix([["config_directory", stat(["/etc/postfix", "root:root 664 main.cf", "root:root 646 master.cf"])]]);
    expect(await runProbe(c, { ...probe, files: [...probe.files] })).toEqual({
      ok: false,
      detail: "group- or world-writable: main.cf root:root 664, master.cf root:root 646 (in /etc/postfix)",
    });
  });
});

// The records of the stock postfix-files (3.10.13) around the queue directories.
const POSTFIX_FILES = [
  "# File format:",
  "#\tname:type:owner:group:permission:flags",
  "$queue_directory:d:root:-:755:uc",
  "$queue_directory/incoming:d:$mail_owner:-:700:ucr",
  "$queue_directory/maildrop:d:$mail_owner:$setgid_group:730:uc",
  "$queue_directory/public:d:$mail_owner:$setgid_group:710:uc",
].join("\n");
const POSTCONF = "queue_directory = /var/spool/postfix\nmail_owner = postfix\nsetgid_group = postdrop";

function queueContainer(statLines: string[], files = POSTFIX_FILES) {
  return fakePostfix([
    ["postfix-files", { out: files }],
    [/^postconf -x /, { out: POSTCONF }],
    ["stat -c", stat(statLines)],
  ]);
}
const QUEUE = { kind: "queue-modes", directories: ["maildrop", "public"] } as const;

describe("queue-modes", () => {
  it("passes when maildrop and public are as postfix-files says, with its variables expanded", async () => {
    const c = queueContainer(["postfix:postdrop 730 /var/spool/postfix/maildrop", "postfix:postdrop 710 /var/spool/postfix/public"]);
    expect(await runProbe(c, { ...QUEUE, directories: [...QUEUE.directories] })).toEqual({
      ok: true,
      detail: "/var/spool/postfix/maildrop postfix:postdrop 730, /var/spool/postfix/public postfix:postdrop 710, as postfix-files says",
    });
    expect(c.commands[1]).toBe("postconf -x queue_directory mail_owner setgid_group");
  });

  it("takes the expected modes from the file, not from a constant", async () => {
    const other = POSTFIX_FILES.replace(":730:", ":1730:");
    const c = queueContainer(
      ["postfix:postdrop 1730 /var/spool/postfix/maildrop", "postfix:postdrop 710 /var/spool/postfix/public"],
      other,
    );
    expect((await runProbe(c, { ...QUEUE, directories: [...QUEUE.directories] })).ok).toBe(true);
  });

  it("fails on a wrong mode, owner or group, and on a directory postfix-files does not list", async () => {
    const c = queueContainer(["postfix:postdrop 733 /var/spool/postfix/maildrop", "root:root 710 /var/spool/postfix/public"]);
    expect(await runProbe(c, { ...QUEUE, directories: [...QUEUE.directories] })).toEqual({
      ok: false,
      detail:
        "/var/spool/postfix/maildrop postfix:postdrop 733 (postfix-files: postfix:postdrop 730); " +
        "/var/spool/postfix/public root:root 710 (postfix-files: postfix:postdrop 710)",
    });
    const unlisted = queueContainer([], POSTFIX_FILES.replace(/^.*public.*$/m, ""));
    expect(await runProbe(unlisted, { ...QUEUE, directories: [...QUEUE.directories] })).toEqual({
      ok: false,
      detail: "postfix-files lists no $queue_directory/public",
    });
  });

  it("fails when a directory is missing or postfix-files cannot be read", async () => {
    const c = queueContainer(["postfix:postdrop 730 /var/spool/postfix/maildrop"]);
    expect(await runProbe(c, { ...QUEUE, directories: [...QUEUE.directories] })).toEqual({
      ok: false,
      detail: "/var/spool/postfix/public: not found",
    });
    const none = fakePostfix([["postfix-files", { code: 1, err: "cat: /etc/postfix/postfix-files: No such file or directory" }]]);
    expect(await runProbe(none, { ...QUEUE, directories: [...QUEUE.directories] })).toEqual({
      ok: false,
      detail: "no postfix-files: cat: /etc/postfix/postfix-files: No such file or directory",
    });
  });

  it("parses stat lines and postfix-files records", () => {
    expect(parseStat("root:postdrop 2755 /usr/sbin/postdrop\ngarbage")).toEqual(
      new Map([["/usr/sbin/postdrop", { owner: "root", group: "postdrop", mode: 0o2755 }]]),
    );
    expect(postfixFilesRecord(POSTFIX_FILES, "$queue_directory")).toEqual({
      name: "$queue_directory",
      owner: "root",
      group: "-",
      mode: "755",
    });
    expect(postfixFilesRecord(POSTFIX_FILES, "$queue_directory/flush")).toBeUndefined();
  });
});

const entry = (createdBy: string, comment = ""): HistoryEntry => ({ createdBy, comment, size: 0 });
const ARGS = "RUN |1 DEBIAN_FRONTEND=noninteractive /bin/sh -c";
const LABELS = {
  "org.postfix-matrix.cell": "debian-bookworm-3.10.13-defaults",
  "org.postfix-matrix.postfix-version": "3.10.13",
  "org.postfix-matrix.recipe": "fed682c391a084b0be716f0e3b539f88",
};
// `docker history --no-trunc` of a BuildKit runtime image (debian-bookworm-3.10.13-defaults).
const BUILDKIT: HistoryEntry[] = [
  entry('CMD ["postfix" "start-fg"]'),
  entry("EXPOSE map[25/tcp:{}]"),
  entry(
    `${ARGS} rmdir /usr/src/postfix 2>/dev/null;     printf 'postmaster: root\\n' > /etc/aliases  && postconf -e       maillog_file=/dev/stdout  && newaliases  && postfix check # buildkit`,
  ),
  entry(`${ARGS} cd /usr/src/postfix && make upgrade # buildkit`),
  entry(`${ARGS} groupadd --system postdrop  && useradd --system --user-group postfix # buildkit`),
  entry(`${ARGS} apt-get update  && apt-get install -y --no-install-recommends netbase $(cat /tmp/runtime-packages) # buildkit`),
  entry("ARG DEBIAN_FRONTEND=noninteractive"),
  entry("", "Imported from -"),
];
// The classic builder's flattened image (FROM scratch + COPY --from=runtime / /).
const CLASSIC: HistoryEntry[] = [
  entry("/bin/sh -c #(nop)  LABEL org.postfix-matrix.recipe=c9b411662ce40f2bc055b1a96e1c7abf"),
  entry('/bin/sh -c #(nop)  CMD ["postfix" "start-fg"]'),
  entry("/bin/sh -c #(nop)  ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
  entry("/bin/sh -c #(nop) COPY dir:7d3cf0c3864f18e6b6152a95cd2a957c6f9b89821fa5282344a9a93b53ca6e94 in / "),
];
// An upgrade scenario's build-stage image: the tarball and the tree are in its layers.
const BUILD_STAGE: HistoryEntry[] = [
  entry('RUN /bin/sh -c make makefiles  && make -j"$(nproc)" # buildkit'),
  entry("WORKDIR /usr/src/postfix"),
  entry(
    "RUN /bin/sh -c mkdir /usr/src/postfix  && tar -xzf /usr/src/postfix-3.10.13.tar.gz -C /usr/src/postfix --strip-components=1  && rm /usr/src/postfix-3.10.13.tar.gz # buildkit",
  ),
  entry("COPY postfix-3.10.13.tar.gz /usr/src/ # buildkit"),
  entry(`${ARGS} apt-get update # buildkit`),
];

const history = (h: HistoryEntry[], labels: Record<string, string> = LABELS): ProbeContext => ({
  image: async () => ({ history: h, labels }),
  maillog: () => "",
});
const HISTORY = { kind: "image-history", allowedArgs: TEMPLATE_ARGS } as const;

describe("image-history", () => {
  it("passes a BuildKit runtime image and a classic flattened one", async () => {
    const c = fakePostfix([]);
    expect(await runProbe(c, HISTORY, history(BUILDKIT))).toEqual({
      ok: true,
      detail: "8 history entries, 3 labels: build args DEBIAN_FRONTEND=noninteractive, no source copied in, no secret words",
    });
    expect((await runProbe(c, HISTORY, history(CLASSIC))).detail).toMatch(/^4 history entries, 3 labels: build args none,/);
    expect(c.commands).toEqual([]);
  });

  it("fails a build stage: the tarball copied in, unpacked, and the tree as WORKDIR", () => {
    expect(imageLeaks({ history: BUILD_STAGE, labels: LABELS }, TEMPLATE_ARGS)).toEqual([
      "WORKDIR in the source tree: /usr/src/postfix",
      expect.stringMatching(/^RUN handles a source tarball: \/bin\/sh -c mkdir \/usr\/src\/postfix && tar -xzf/),
      "COPY puts source into the image: postfix-3.10.13.tar.gz /usr/src/",
    ]);
  });

  it("fails a passed-in build argument without showing its value, and secret words", () => {
    const leaks = imageLeaks(
      {
        history: [
          entry("RUN |2 DEBIAN_FRONTEND=noninteractive GITHUB_TOKEN=ghp_abc123 /bin/sh -c make upgrade # buildkit"),
          entry("ARG DB_PASSWORD"),
          entry("/bin/sh -c #(nop)  ENV API_SECRET=s3cr3t"),
        ],
        labels: { ...LABELS, "org.example.built-with": "docker build --build-arg X=1" },
      },
      TEMPLATE_ARGS,
    );
    expect(leaks).toEqual([
      "build argument GITHUB_TOKEN in RUN (value not shown)",
      "history entry 1 (RUN) mentions TOKEN",
      "build argument DB_PASSWORD in ARG (value not shown)",
      "history entry 2 (ARG) mentions PASSWORD",
      "history entry 3 (ENV) mentions SECRET",
      "label org.example.built-with mentions --build-arg",
    ]);
    expect(leaks.join(" ")).not.toMatch(/ghp_abc123|s3cr3t/);
  });

  it("fails the template's ARG with another value, a classic COPY to /usr/src and a label naming the tarball", () => {
    const facts: ImageFacts = {
      history: [
        entry("|1 DEBIAN_FRONTEND=readline /bin/sh -c apt-get update"),
        entry("/bin/sh -c #(nop) COPY file:0c9e4cba30a8 in /usr/src/ "),
        entry("ADD https://example.org/postfix-3.10.13.tar.gz /tmp/"),
      ],
      labels: { "org.opencontainers.image.source": "/home/me/postfix-3.10.13.tar.gz" },
    };
    expect(judgeImage(facts, TEMPLATE_ARGS)).toEqual({
      ok: false,
      detail:
        "build argument DEBIAN_FRONTEND in RUN (value not shown); COPY puts source into the image: file:0c9e4cba30a8 in /usr/src/; " +
        "ADD puts source into the image: https://example.org/postfix-3.10.13.tar.gz /tmp/; label org.opencontainers.image.source names a source path",
    });
  });

  it("parses BuildKit and classic history lines alike", () => {
    expect(parseStep(`${ARGS} cd /usr/src/postfix && make upgrade # buildkit`)).toEqual({
      instruction: "RUN",
      args: ["DEBIAN_FRONTEND=noninteractive"],
      text: "/bin/sh -c cd /usr/src/postfix && make upgrade",
    });
    expect(parseStep("|1 DEBIAN_FRONTEND=noninteractive /bin/sh -c apt-get update")).toMatchObject({
      instruction: "RUN",
      args: [TEMPLATE_ARGS[0]],
    });
    expect(parseStep("/bin/sh -c #(nop)  EXPOSE 25")).toEqual({ instruction: "EXPOSE", args: [], text: "25" });
    expect(parseStep("")).toEqual({ instruction: "", args: [], text: "" });
  });

  it("fails loudly when no engine can read the history", async () => {
    await expect(runProbe(fakePostfix([]), HISTORY)).rejects.toThrow("no engine given");
    const missing = imageFacts({ inspectImage: async () => undefined, imageHistory: async () => [] }, "gone:tag");
    await expect(missing()).rejects.toThrow("image gone:tag not found");
  });

  it("reads the history and labels once", async () => {
    let calls = 0;
    const read = imageFacts(
      {
        inspectImage: async () => ({ id: "sha256:1", size: 1, created: "", labels: LABELS }),
        imageHistory: async () => {
          calls++;
          return CLASSIC;
        },
      },
      "img",
    );
    expect(await read()).toEqual({ history: CLASSIC, labels: LABELS });
    await read();
    expect(calls).toBe(1);
  });
});
