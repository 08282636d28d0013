#!/usr/bin/env python3
"""Checks Dockerfile.gpu without a Docker engine (none runs here).

1. Every stage name the final FROM can resolve to (runtime-${TORCH_BACKEND} for each backend) exists.
2. Every path a COPY takes from the build context exists there and is not excluded by .dockerignore.
3. The CPU variant's build stages (those FROM the .NET SDK image) are replayed on this machine, each in its own
   folder standing for the stage's filesystem: WORKDIR, COPY (from the filtered context or an earlier stage) and
   RUN, with the Dockerfile's ARG values and TORCH_BACKEND=cpu. So the restore and the publish run on exactly
   the files the image build would see, and fail here where they would fail there.
4. Every COPY --from a replayed stage finds its source, ENTRYPOINT's executable is in the published output, and
   the published CPU build starts: `rlhf migrate` on embedded stores succeeds, and `serve` with Rlhf:Device=cuda
   is refused with the one-line message (the CPU build has no CUDA backend).

Usage: deploy/check-dockerfile.py [--keep DIR]. Exits non-zero on any failure.
"""
import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCKERFILE = os.path.join(REPO, "Dockerfile.gpu")
BACKENDS = ("cuda", "cpu")
SYSTEM_DIRS = {"usr", "etc", "bin", "sbin", "lib", "lib64", "tmp", "dev", "proc", "sys", "var", "opt", "root", "home", "run"}


def fail(message):
    print(f"check-dockerfile: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def instructions(path):
    """(keyword, rest) per instruction: continuation lines joined, comments and blank lines dropped."""
    out, pending = [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            full = (pending + line).strip()
            pending = ""
            keyword, _, rest = full.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    if pending:
        fail("the Dockerfile ends inside a continued line")
    return out


def substitute(text, args):
    def value(m):
        name = m.group(1) or m.group(2)
        if name not in args:
            fail(f"${{{name}}} is used but no ARG declares it")
        return args[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)


def dockerignore_patterns():
    path = os.path.join(REPO, ".dockerignore")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]


def ignored(relpath, patterns):
    """Docker's rules for the patterns this repository uses: a match on the path or any parent folder excludes it."""
    parts = relpath.split("/")
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        p = pattern[1:] if negate else pattern
        p = p.rstrip("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if fnmatch.fnmatchcase(prefix, p) or (p.startswith("**/") and fnmatch.fnmatchcase(parts[i - 1], p[3:])):
                result = not negate
                break
    return result


def build_context(target):
    """The context Docker would send: the repository's files (tracked and untracked, not git-ignored) less .dockerignore."""
    listed = subprocess.run(["git", "-C", REPO, "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            check=True, capture_output=True).stdout.decode().split("\0")
    patterns = dockerignore_patterns()
    count = 0
    for rel in filter(None, listed):
        source = os.path.join(REPO, rel)
        if not os.path.isfile(source) or ignored(rel, patterns):
            continue
        dest = os.path.join(target, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(source, dest)
        count += 1
    return count


def copy_into(source, dest, dest_is_dir):
    if os.path.isdir(source):
        shutil.copytree(source, dest, dirs_exist_ok=True, symlinks=True)
    else:
        if dest_is_dir:
            os.makedirs(dest, exist_ok=True)
            dest = os.path.join(dest, os.path.basename(source))
        else:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(source, dest)


def in_root(root, path, workdir):
    return os.path.normpath(os.path.join(root, (path if path.startswith("/") else os.path.join(workdir, path)).lstrip("/")))


def map_absolute_paths(command, root):
    """/app, /src ... in a RUN command point into the stage's folder (system folders stay as they are)."""
    def repl(m):
        first = m.group(2).split("/")[1]
        return m.group(1) + (m.group(2) if first in SYSTEM_DIRS else root + m.group(2))
    return re.sub(r"(^|[\s=])(/[\w.\-]+(?:/[\w.\-]*)*)", repl, command)


def main():
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    steps = instructions(DOCKERFILE)
    global_args, stages, current = {}, [], None
    for keyword, rest in steps:
        if keyword == "FROM":
            m = re.match(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$", rest, re.IGNORECASE)
            current = {"image": m.group(1), "name": m.group(2), "steps": []}
            stages.append(current)
        elif current is None:
            if keyword == "ARG":
                name, _, default = rest.partition("=")
                global_args[name] = default
        else:
            current["steps"].append((keyword, rest))
    names = {s["name"] for s in stages if s["name"]}

    # 1. the final stage's base exists for every backend
    final = stages[-1]
    for backend in BACKENDS:
        base = substitute(final["image"], {**global_args, "TORCH_BACKEND": backend})
        if "$" in final["image"] and base not in names:
            fail(f"TORCH_BACKEND={backend}: the final stage is FROM {base}, which no stage defines")
    print(f"== final stage FROM {final['image']}: a stage for each of {', '.join(BACKENDS)}")

    work = keep or tempfile.mkdtemp(prefix="rlhf-dockerfile-")
    os.makedirs(work, exist_ok=True)
    context = os.path.join(work, "context")
    shutil.rmtree(context, ignore_errors=True)
    print(f"== build context: {build_context(context)} files (.dockerignore applied)")

    # 2. every COPY from the context (any stage, any backend) finds its sources
    for stage in stages:
        for keyword, rest in stage["steps"]:
            if keyword == "COPY" and "--from=" not in rest:
                parts = shlex.split(rest)
                for source in (p for p in parts[:-1] if not p.startswith("--")):
                    if not os.path.exists(os.path.join(context, source)):
                        fail(f"COPY {rest}: {source} is not in the build context (missing, or excluded by .dockerignore)")
    print("== every COPY from the context finds its sources")

    # 3. replay the SDK stages of the CPU variant
    args = {**global_args, "TORCH_BACKEND": "cpu"}
    roots = {}
    env = {**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1"}
    for index, stage in enumerate(stages):
        image = substitute(stage["image"], args)
        name = stage["name"] or f"stage{index}"
        replay = "dotnet/sdk" in image
        root = os.path.join(work, "stages", name)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        if replay:
            roots[name] = root
        # As in Docker: a global ARG is visible in a stage only once the stage declares it again.
        stage_args = {}
        workdir = "/"
        for keyword, rest in stage["steps"]:
            if keyword in ("WORKDIR", "COPY", "ENTRYPOINT") or (keyword == "RUN" and replay):
                rest_sub = substitute(rest, stage_args)
            else:
                rest_sub = rest
            if keyword == "ENV":
                for pair in shlex.split(rest):
                    env_name, _, env_value = pair.partition("=")
                    stage_args[env_name] = substitute(env_value, stage_args)
            elif keyword == "ARG":
                arg_name, _, default = rest.partition("=")
                stage_args[arg_name] = default if default else args.get(arg_name, "")
            elif keyword == "WORKDIR":
                workdir = os.path.join(workdir, rest_sub)
                os.makedirs(in_root(root, workdir, "/"), exist_ok=True)
            elif keyword == "COPY":
                parts = shlex.split(rest_sub)
                from_stage = next((p.split("=", 1)[1] for p in parts if p.startswith("--from=")), None)
                paths = [p for p in parts if not p.startswith("--")]
                sources, dest = paths[:-1], paths[-1]
                if from_stage is not None and from_stage not in roots:
                    if from_stage not in names:
                        fail(f"stage {name}: COPY --from={from_stage}: no such stage")
                    continue  # from a stage that is an image (e.g. the .NET runtime): nothing to check here
                dest_path = in_root(root, dest, workdir)
                if not replay and from_stage is None:
                    continue
                for source in sources:
                    origin = in_root(roots[from_stage], source, "/") if from_stage else os.path.join(context, source)
                    if not os.path.exists(origin):
                        fail(f"stage {name}: COPY {rest}: {source} does not exist in {'stage ' + from_stage if from_stage else 'the context'}")
                    if replay:
                        copy_into(origin, dest_path, dest.endswith("/") or len(sources) > 1 or dest == ".")
                if from_stage:
                    print(f"== stage {name}: COPY --from={from_stage} {' '.join(sources)}: found")
            elif keyword == "RUN" and replay:
                command = rest_sub
                if command.startswith("["):
                    fail(f"stage {name}: exec-form RUN is not replayed: {command}")
                command = map_absolute_paths(command, root)
                print(f"== stage {name}: RUN {rest_sub}", flush=True)
                done = subprocess.run(["bash", "-c", command], cwd=in_root(root, workdir, "/"), env=env)
                if done.returncode != 0:
                    fail(f"stage {name}: RUN exited {done.returncode}: {rest_sub}")
            elif keyword == "ENTRYPOINT" and stage is final:
                entry = substitute(rest, stage_args)
                executable = re.findall(r'"([^"]+)"', entry)[0]
                # The final stage copies the build stage's /app to /app.
                if not os.path.isfile(in_root(roots["build"], executable, "/")):
                    fail(f"ENTRYPOINT {executable} is not in the published output")
                print(f"== ENTRYPOINT {executable}: published")

    # 4. the published CPU build starts
    app = in_root(roots["build"], "/app", "/")
    rlhf = os.path.join(app, "rlhf")
    scratch = os.path.join(work, "run")
    os.makedirs(scratch, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("Rlhf__")}
    migrated = subprocess.run([rlhf, "migrate", "--out", os.path.join(scratch, "out")], env=clean, capture_output=True, text=True, timeout=120)
    if migrated.returncode != 0 or "schema up to date" not in migrated.stdout:
        fail(f"the published CPU build's `rlhf migrate` failed ({migrated.returncode}): {migrated.stdout}{migrated.stderr}")
    print(f"== published CPU build: rlhf migrate: {migrated.stdout.strip()}")
    refused = subprocess.run([rlhf, "serve", "--role", "silo", "--out", os.path.join(scratch, "out")],
                             env={**clean, "Rlhf__Device": "cuda"}, capture_output=True, text=True, timeout=120)
    if refused.returncode != 1 or "Rlhf:Device=cuda needs the GPU image" not in refused.stderr:
        fail(f"the CPU build should refuse Rlhf:Device=cuda with one clear line; exit {refused.returncode}: {refused.stderr}")
    print(f"== published CPU build refuses Rlhf:Device=cuda: {refused.stderr.strip()}")

    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    print("check-dockerfile: OK")


if __name__ == "__main__":
    main()
