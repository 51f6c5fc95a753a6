#!/usr/bin/env python3
"""The man page and the bash completion of onnx-lrp, made at build time
from the CLI's own --help texts, so they say what --help says.

  docs_from_help.py --cli build/onnx-lrp --man onnx-lrp.1
  docs_from_help.py --cli build/onnx-lrp --completion onnx-lrp.bash
"""
import argparse
import re
import subprocess


def help_text(cli, *args):
    return subprocess.run([cli, *args, "--help"], check=True, capture_output=True,
                          text=True).stdout


def commands(main_help):
    # "  inspect MODEL.onnx   ..." lines under "commands:"
    block = main_help.split("commands:", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^  ([a-z]+) ", block, re.M)


def roff(text):
    out = []
    for line in text.rstrip("\n").split("\n"):
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def man_page(cli, version):
    main = help_text(cli)
    parts = [f'.TH ONNX-LRP 1 "" "onnx-lrp {version}" "User Commands"',
             ".SH NAME",
             "onnx-lrp \\- Layer-wise Relevance Propagation for ResNets exported to ONNX",
             ".SH SYNOPSIS",
             ".B onnx-lrp",
             ".I command",
             "[options]",
             ".SH DESCRIPTION",
             ".nf", roff(main), ".fi"]
    for cmd in commands(main):
        parts += [f".SH {cmd.upper()}", ".nf", roff(help_text(cli, cmd)), ".fi"]
    parts += [".SH SEE ALSO", "The README.md of onnx-lrp; lrp.h for the C library."]
    return "\n".join(parts) + "\n"


def completion(cli):
    main = help_text(cli)
    cmds = commands(main)
    cases = []
    for cmd in cmds:
        opts = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", help_text(cli, cmd))))
        cases.append(f'        {cmd}) opts="{" ".join(opts + ["--help"])}" ;;')
    common = sorted(set(re.findall(r"^ +(--[a-z][a-z0-9-]*) [A-Z]", main, re.M)))
    return f"""# bash completion for onnx-lrp (generated from its --help texts)
_onnx_lrp()
{{
    local cur=${{COMP_WORDS[COMP_CWORD]}} opts
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "{" ".join(cmds)} --help --version" -- "$cur"))
        return
    fi
    case ${{COMP_WORDS[1]}} in
{chr(10).join(cases)}
        *) opts="" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts {" ".join(common)}" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _onnx_lrp onnx-lrp
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--version", default="")
    ap.add_argument("--man")
    ap.add_argument("--completion")
    a = ap.parse_args()
    if a.man:
        with open(a.man, "w", encoding="utf-8") as f:
            f.write(man_page(a.cli, a.version))
    if a.completion:
        with open(a.completion, "w", encoding="utf-8") as f:
            f.write(completion(a.cli))


if __name__ == "__main__":
    main()
