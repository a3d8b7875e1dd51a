#!/usr/bin/env python3
"""Writes the expected outputs that tests/train/org/eapo4j/hf/jinja compare the Java interpreter with.

The expectations come from Python's Jinja2 in the environment transformers' apply_chat_template builds
(transformers/utils/chat_template_utils.py, _compile_jinja_template and render_jinja_template), reproduced here
because transformers is not installed:
  ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
  filters["tojson"] = json.dumps(x, ensure_ascii=False, indent, separators, sort_keys)
  globals["raise_exception"] raises TemplateError(message); globals["strftime_now"] = datetime.now().strftime
  the {% generation %} tag of its AssistantTracker extension, which renders its body as it is when no assistant
  mask is asked for
  template.render(messages=..., tools=None, documents=None, add_generation_prompt=..., **special tokens, **kwargs)
strftime_now formats the fixed time NOW below so that the outputs are reproducible (the Java test passes the same).

Run once from this folder (python3 generate.py, Jinja2 3.1); it rewrites cases.json and snippets.json.
"""
import datetime
import json
import os
import random

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = datetime.datetime(2026, 12, 7, 10, 30, 5)
FAMILIES = ["qwen3", "llama3_1", "llama3", "gemma3", "gemma", "deepseek_v3"]


class Raised(jinja2.exceptions.TemplateError):
    """What raise_exception raises (a TemplateError, as in transformers), told apart from Jinja2's own errors."""


class Generation(Extension):
    """transformers' {% generation %} ... {% endgeneration %}, not tracking assistant tokens: the body as it is."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def environment():
    def raise_exception(message):
        raise Raised(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, "jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


ENV = environment()


def render(template, context):
    """{"expected": text} or {"error": "raised" | "error", "message": ...}."""
    try:
        return {"expected": ENV.from_string(template).render(**context)}
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"error": "error", "message": "syntax: " + str(e)}
    except jinja2.exceptions.UndefinedError as e:
        return {"error": "error", "message": "undefined: " + str(e)}
    except Raised as e:
        return {"error": "raised", "message": str(e)}
    except Exception as e:  # TemplateRuntimeError, TypeError, ValueError, ... as Jinja2 lets them through
        return {"error": "error", "message": type(e).__name__ + ": " + str(e)}


def m(role, content):
    return {"role": role, "content": content}


CONVERSATIONS = {
    "single_user": [m("user", "Hello!")],
    "system_user": [m("system", "You are a terse assistant."), m("user", "What is 2+2?")],
    "multi_turn": [m("user", "Hi"), m("assistant", "Hello! How can I help?"), m("user", "Tell me a joke.")],
    "system_multi_turn": [m("system", "Be kind."), m("user", "Hi"), m("assistant", "Hello."),
                          m("user", "Bye"), m("assistant", "Goodbye.")],
    "assistant_think": [m("user", "What is 3*4?"),
                        m("assistant", "<think>\nThree times four.\n</think>\n\n12"),
                        m("user", "And 5*6?")],
    "assistant_think_last": [m("system", "Think step by step."), m("user", "What is 3*4?"),
                             m("assistant", "<think>\n3*4 = 12\n</think>\n\nIt is 12.")],
    "unicode": [m("user", "Grüße, 你好 👋 — \"quotes\" and \\backslash\\ and 'single'"),
                m("assistant", "Ça va? こんにちは 🙂"), m("user", "ünïcödé ✓")],
    "whitespace": [m("system", "  padded system  \n"), m("user", "\n  spaced question?  \n\n"),
                   m("assistant", "  answer with trailing spaces   ")],
    "two_systems": [m("system", "First rule."), m("system", "Second rule."), m("user", "Go.")],
    "empty_content": [m("user", ""), m("assistant", ""), m("user", "ok")],
    "starts_with_assistant": [m("assistant", "I speak first."), m("user", "Fine.")],
    "user_user": [m("user", "one"), m("user", "two")],
}

THINKING = {"qwen3": [None, True, False]}

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city, now.",
                                             "parameters": {"type": "object", "properties": {
                                                 "city": {"type": "string", "description": "e.g. Zürich"},
                                                 "days": {"type": "integer", "minimum": 1}},
                                                 "required": ["city"]}}}

# Conversations with tools and tool calls (not expressible as ChatMessage: the test renders them with JinjaTemplate).
TOOL_CONVERSATIONS = {
    "qwen3": {
        "tools_call": ([WEATHER], [
            m("system", "Use tools."), m("user", "Weather in Zürich?"),
            {"role": "assistant", "content": "<think>\nNeed the tool.\n</think>\n\nLet me check.",
             "tool_calls": [{"type": "function", "function": {"name": "get_weather",
                                                               "arguments": {"city": "Zürich", "days": 2}}},
                            {"type": "function", "function": {"name": "get_weather",
                                                              "arguments": "{\"city\": \"Bern\"}"}}]},
            {"role": "tool", "content": "{\"temp\": 3.5}"}, {"role": "tool", "content": "sunny"},
            m("assistant", "It is 3.5 °C."), m("user", "<tool_response>x</tool_response>")]),
        "tools_only": ([WEATHER, {"type": "function", "function": {"name": "noop", "parameters": {}}}],
                       [m("user", "Hi")]),
        "reasoning_content": (None, [m("user", "Q"), {"role": "assistant", "content": "A",
                                                       "reasoning_content": "thought about it"}, m("user", "Q2")]),
    },
    "deepseek_v3": {
        "tools_call": (None, [
            m("user", "Weather?"),
            {"role": "assistant", "content": None, "tool_calls": [
                {"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}},
                {"type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
            {"role": "tool", "content": "cold"}, {"role": "tool", "content": "noon"},
            m("assistant", "Cold at noon."), m("user", "Thanks")]),
    },
}


def random_conversations(family):
    """Random role sequences and contents (fixed seed per family), roles system / user / assistant / tool."""
    rng = random.Random("conversations-" + family)
    contents = ["Hi", "", "  spaced  ", "line1\nline2\n", "<think>\nreasoning\n</think>\n\nanswer",
                "<think>only thought</think>", "\n\n<think>\n\n</think>\n\nx", "<tool_response>r</tool_response>",
                "unicode ✓ 你好 🙂", "{\"json\": [1, 2]}", "{{ not a template }} {% if %}", "tab\there",
                "quote ' and \" and \\ backslash", "</think> stray end", "ends with newline\n"]
    out = []
    for i in range(40):
        n = rng.randint(1, 6)
        roles = [rng.choice(["system", "user", "assistant", "user", "assistant", "tool"]) for _ in range(n)]
        messages = [m(r, rng.choice(contents)) for r in roles]
        out.append(("random_%02d" % i, messages, rng.choice([True, False]),
                    rng.choice([None, True, False]) if family == "qwen3" else None))
    return out


def cases():
    out = []
    for family in FAMILIES:
        template = open(os.path.join(HERE, "templates", family + ".jinja"), encoding="utf-8").read()
        tokens = json.load(open(os.path.join(HERE, "templates", family + ".tokens.json"), encoding="utf-8"))
        for name, messages in CONVERSATIONS.items():
            for gen in (True, False):
                for thinking in THINKING.get(family, [None]):
                    context = {"messages": messages, "tools": None, "documents": None, "add_generation_prompt": gen}
                    for k, v in tokens.items():
                        if v is not None:
                            context[k] = v
                    kwargs = {} if thinking is None else {"enable_thinking": thinking}
                    context.update(kwargs)
                    case = {"family": family, "conversation": name, "messages": messages, "add_generation_prompt": gen,
                            "kwargs": kwargs}
                    case.update(render(template, context))
                    out.append(case)
        for name, messages, gen, thinking in random_conversations(family):
            context = {"messages": messages, "tools": None, "documents": None, "add_generation_prompt": gen}
            context.update({k: v for k, v in tokens.items() if v is not None})
            kwargs = {} if thinking is None else {"enable_thinking": thinking}
            context.update(kwargs)
            case = {"family": family, "conversation": name, "messages": messages, "add_generation_prompt": gen,
                    "kwargs": kwargs}
            case.update(render(template, context))
            out.append(case)
        for name, (tools, messages) in TOOL_CONVERSATIONS.get(family, {}).items():
            for gen in (True, False):
                context = {"messages": messages, "tools": tools, "documents": None, "add_generation_prompt": gen}
                context.update({k: v for k, v in tokens.items() if v is not None})
                case = {"family": family, "conversation": name, "messages": messages, "tools": tools,
                        "add_generation_prompt": gen, "kwargs": {}}
                case.update(render(template, context))
                out.append(case)
    return out


# (template, context): small pieces of the language, each rendered by Jinja2 in the environment above.
SNIPPETS = [
    # whitespace control, trim_blocks, lstrip_blocks, comments, trailing newline
    ("  {% if true %}\n  x\n  {% endif %}\n  {{ 'a' }}  \n", {}),
    ("a  {# c #}\nb", {}),
    ("  {# c #}\nb", {}),
    ("x {%- if true -%} \n y \n {%- endif %} z", {}),
    ("x\n  {%+ if true %}y{% endif +%}\nz", {}),
    ("{{- '  a' -}}   \n  {{ 'b' }}\n\n", {}),
    ("a\n\n", {}),
    ("{% for i in [1, 2] %}\n    {{ i }}\n{% endfor %}\n", {}),
    ("line1\r\nline2\r\n{% if true %}\r\nx\r\n{% endif %}", {}),
    ("\t {% if true %}tab{% endif %}|{{ 'v' }}  {% if true %}same line{% endif %}", {}),
    ("{#- comment -#}  a  {#- c2 #}\n b", {}),
    # literals and printing
    ("{{ [1, 'a', none, true, 1.5] }}|{{ {'k': 'v', 'n': [1]} }}|{{ (1,) }}|{{ (1, 2) }}|{{ () }}", {}),
    ("{{ 1.0 }} {{ 1e20 }} {{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 1/3 }} {{ 10/2 }} {{ 1e16 }} {{ 123456789.125 }}", {}),
    ("{{ 'it\\'s' }} {{ \"q\\\"q\" }} {{ 'tab\\tnl\\n' }} {{ '\\u00e9\\x41' }} {{ 'a' 'b' }}", {}),
    ("{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'nl\\n', 'é✓'] }}", {}),
    ("{{ none }}|{{ true }}|{{ false }}|{{ True }}|{{ undefined_var }}|{{ 1_000 }}", {}),
    # operators
    ("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}", {}),
    ("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1] + [2] }} {{ 'a' ~ 1 ~ none }}", {}),
    ("{{ 1 == 1.0 }} {{ true == 1 }} {{ '1' == 1 }} {{ [1, 2] == [1, 2] }} {{ (1,) == [1] }} {{ {'a': 1} == {'a': 1} }}", {}),
    ("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 'Z' < 'a' }}", {}),
    ("{{ 'a' in 'cat' }} {{ 'x' not in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ not 'k' in {} }}", {}),
    ("{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }} {{ none or [] }} {{ not none }}", {}),
    ("{{ 'yes' if x else 'no' }} {{ 'y' if not x }}|{{ 1 if false else 2 if true else 3 }}", {"x": []}),
    ("{{ messages|length - 1 }} {{ -x|abs }} {{ not x is defined }} {{ x is not none and x }}", {"messages": [1, 2], "x": 3}),
    ("{{ 'a' + 1 }}", {}),
    ("{{ x + 1 }}", {}),
    ("{{ x.y }}", {}),
    ("{{ 1 < 'a' }}", {}),
    ("{{ 1 // 0 }}", {}),
    # subscripts and slices
    ("{{ s[0] }}{{ s[-1] }}{{ s[1:] }}{{ s[:-1] }}{{ s[::-1] }}{{ s[::2] }}{{ s[10:] }}|{{ s[-100:2] }}|{{ s[5] }}|",
     {"s": "héllo👋"}),
    ("{{ l[::-1] }} {{ l[1:] }} {{ l[-2:] }} {{ l[:1] }} {{ l[3:0:-1] }} {{ l[::-2] }} {{ l[0] }} {{ l[-1] }} {{ l[9] }}",
     {"l": [1, 2, 3, 4]}),
    ("{{ d.a }} {{ d['a'] }} {{ d.missing }}|{{ d['missing'] is defined }} {{ d.items is defined }} {{ d.get('a') }} "
     "{{ d.get('z', 'dflt') }} {{ d.get('z') }}", {"d": {"a": 1}}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}"
     "{% for v in d.values() %}{{ v }}{% endfor %}{{ d.keys()|list }}", {"d": {"b": 2, "a": 1}}),
    ("{{ none.attr }}|{{ s.upper() }}|{{ s.nonexistent }}|", {"s": "x"}),
    # string methods
    ("{{ s.startswith('<t') }} {{ s.endswith('>') }} {{ s.startswith(('x', '<')) }} {{ s.lower() }} {{ s.upper() }}",
     {"s": "<Tool>"}),
    ("{{ s.split('</think>') }} {{ s.split('</think>')[-1].lstrip('\\n') }} {{ s.split() }} {{ s.split(none, 1) }} "
     "{{ s.rsplit('\\n', 1) }} {{ ' a  b '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c '.split(none, 1) }}",
     {"s": "<think>\nhm\n</think>\n\nanswer"}),
    ("[{{ s.strip() }}] [{{ s.strip('\\n') }}] [{{ s.lstrip() }}] [{{ s.rstrip() }}] [{{ s.strip(' \\nx') }}] "
     "[{{ '\u00a0nbsp\u00a0'.strip() }}]", {"s": "\n  x hi x \n"}),
    ("{{ s.replace('a', 'o') }} {{ s.replace('a', 'o', 1) }} {{ s.replace('', '-') }} {{ s.title() }} "
     "{{ s.capitalize() }} {{ \"they're bill's\".title() }} {{ s.find('n') }} {{ s.count('a') }}",
     {"s": "banana split"}),
    ("{{ '{} and {}'.format('a', 1) }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{name}!'.format(name='n') }} "
     "{{ '{{literal}}'.format() }}", {}),
    ("{{ ', '.join(['a', 'b']) }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ 'AB'.isupper() }} {{ 'ab1'.islower() }} "
     "{{ ' '.isspace() }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'xab'.removeprefix('x') }} {{ 'Ab'.swapcase() }}", {}),
    # filters
    ("[{{ s|trim }}] [{{ s|trim('x ') }}] {{ s|length }} {{ [1, 2]|length }} {{ {'a': 1}|count }} {{ u|length }}",
     {"s": "  x y  "}),
    ("{{ u|default('d') }} {{ ''|default('d') }} {{ ''|default('d', true) }} {{ none|default('d') }} "
     "{{ u|d('short') }} {{ 0|default('z', boolean=true) }}", {}),
    ("{{ ['a', 'b']|join }} {{ [1, 2]|join(', ') }} {{ users|join(', ', attribute='name') }} {{ 'abc'|join('-') }}",
     {"users": [{"name": "x"}, {"name": "y"}]}),
    ("{{ 'hello WORLD'|upper }} {{ 'Hello'|lower }} {{ 'hello wORLD'|capitalize }} {{ 'hello-world (foo) bar'|title }} "
     "{{ 5|string }} {{ none|string }} {{ 'abc'|list }} {{ {'a': 1}|list }}", {}),
    ("{{ [3, 1, 2]|first }} {{ [3, 1, 2]|last }} {{ 'abc'|first }} {{ []|first }}|{{ [1, 2, 3]|reverse|list }} "
     "{{ 'abc'|reverse }}", {}),
    ("{{ users|map(attribute='name')|list }} {{ ['a', 'B']|map('upper')|join }} {{ users|map(attribute='age', default=0)|list }}",
     {"users": [{"name": "x", "age": 3}, {"name": "y"}]}),
    ("{{ msgs|selectattr('role', 'equalto', 'user')|list|length }} {{ msgs|rejectattr('role', 'equalto', 'user')|map(attribute='role')|list }} "
     "{{ msgs|selectattr('tool')|list }} {{ [0, 1, 2, '']|select|list }} {{ [1, 2, 3, 4]|select('odd')|list }} "
     "{{ [1, 2, 3, 4]|reject('even')|list }} {{ [1, 5, 9]|select('>', 3)|list }}",
     {"msgs": [{"role": "system"}, {"role": "user", "tool": 1}, {"role": "user"}]}),
    ("{% for k, v in d|items %}{{ k }}:{{ v }} {% endfor %}{{ d|dictsort }}", {"d": {"b": 1, "a": 2}}),
    ("{{ 'ab ab'|replace('a', 'x') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} "
     "{{ 'x'|int(7) }} {{ 3.9|int }} {{ true|int }} {{ '3.5'|float }} {{ 'x'|float }} {{ 2|float }} {{ ' 12 '|int }}", {}),
    ("{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent('> ', blank=true) }}|"
     "{{ 'x'|indent(first=true) }}|", {}),
    ("{{ '<b>'|safe }} {{ '<b>&\"\\''|e }} {{ [1, 2, 1, 'A', 'a']|unique|list }} {{ ['b', 'A', 'c']|sort }} "
     "{{ [3, 1, 2]|sort(reverse=true) }} {{ users|sort(attribute='n')|map(attribute='n')|list }}",
     {"users": [{"n": 2}, {"n": 1}]}),
    ("{{ [1, 2, 3]|sum }} {{ [1, 5, 2]|max }} {{ ['b', 'A']|min }} {{ -3|abs }} {{ 2.5|round }} {{ 3.14159|round(2) }} "
     "{{ 5|round }} {{ []|max }}|", {}),
    ("{{ x|tojson }}", {"x": {"name": "get_weather", "args": {"city": "Zürich", "n": 3, "f": 1.5, "ok": True,
                                                             "none": None, "list": [1, "two\n\"3\""], "e": {}, "l": []}}}),
    ("{{ x|tojson(indent=2) }}|{{ x|tojson(sort_keys=true) }}|{{ x|tojson(ensure_ascii=true) }}|{{ 'é'|tojson }}|"
     "{{ x|tojson(separators=(',', ':')) }}", {"x": {"b": [1, {"c": "é\u0001"}], "a": None}}),
    ("{{ [1, 2]|map('tojson')|join(' ') }} {{ 1.0|tojson }} {{ 1e-7|tojson }} {{ (1, 'a')|tojson }}", {}),
    # tests
    ("{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ n is none }} {{ x is not none }} "
     "{{ s is string }} {{ x is string }} {{ x is number }} {{ f is number }} {{ true is number }} {{ x is integer }} "
     "{{ f is float }} {{ true is boolean }} {{ x is boolean }}",
     {"x": 1, "n": None, "s": "a", "f": 1.5}),
    ("{{ d is mapping }} {{ l is mapping }} {{ l is iterable }} {{ s is iterable }} {{ x is iterable }} "
     "{{ y is iterable }} {{ l is sequence }} {{ d is sequence }} {{ s is sequence }} {{ x is sequence }}",
     {"d": {}, "l": [1], "s": "a", "x": 1}),
    ("{{ t is true }} {{ t is false }} {{ f is false }} {{ 1 is true }} {{ 4 is divisibleby 2 }} {{ 5 is divisibleby(2) }} "
     "{{ 3 is odd }} {{ 3 is even }} {{ 'ab' is lower }} {{ 'AB' is upper }} {{ 1 is in [1] }} {{ 2 is eq 2 }} "
     "{{ 2 is ne 2 }} {{ 1 is lt 2 }} {{ 3 is ge 3 }} {{ none is sameas none }} {{ x is callable }} "
     "{{ raise_exception is callable }}", {"t": True, "f": False, "x": 1}),
    # statements: for loops, loop variables, scoping
    ("{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}"
     "{{ loop.revindex }}{{ loop.revindex0 }}[{{ loop.previtem }}|{{ loop.nextitem }}] {% endfor %}", {"l": ["a", "b", "c"]}),
    ("{% for x in l if x > 1 %}{{ loop.index }}:{{ x }}{{ loop.cycle('a', 'b') }} {% else %}none{% endfor %}"
     "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", {"l": [1, 2, 3, 4]}),
    ("{% for x in l %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}",
     {"l": [1, 2, 3, 4, 5]}),
    ("{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}{{ x }}", {}),
    ("{% set ns = namespace(found=false, n=0) %}{% for i in [1, 2, 3] %}{% if i == 2 %}{% set ns.found = true %}{% endif %}"
     "{% set ns.n = ns.n + i %}{% endfor %}{{ ns.found }} {{ ns.n }}", {}),
    ("{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}{{ ns.c }}|", {}),
    ("{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }}{% endfor %} {% set p, q = 'xy' %}{{ q }}{{ p }}", {}),
    ("{% for i in range(3) %}{{ i }}{% endfor %} {% for i in range(1, 7, 2) %}{{ i }}{% endfor %} {{ range(3)|list }}", {}),
    ("{% for m in msgs %}{% for c in m %}{{ loop.index }}{{ c }}{% endfor %}/{{ loop.index }} {% endfor %}",
     {"msgs": ["ab", "c"]}),
    ("{% if x %}a{% elif y %}b{% else %}c{% endif %}{% if not x and not y %}d{% endif %}", {"x": 0, "y": ""}),
    ("{% set block_var %}\n  inner {{ 1 + 1 }}\n{% endset %}[{{ block_var }}]{% set up | upper %}shout{% endset %}{{ up }}",
     {}),
    ("{% filter upper %}loud {{ 'x' }}{% endfilter %}", {}),
    ("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} "
     "{{ greet(name='C', punct='.') }}", {}),
    ("{% macro show(x) %}[{{ x }}|{{ outer }}]{% endmacro %}{% set outer = 'o' %}{{ show(1) }}", {}),
    ("{% generation %}gen {{ 'x' }}{% endgeneration %}", {}),
    ("{{ raise_exception('bad input: ' ~ x) }}", {"x": 5}),
    ("{% if x %}{{ raise_exception('never') }}{% endif %}ok", {"x": False}),
    ("{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%A %B %-d %I%p %j %y') }}",
     {}),
    ("{{ dict(a=1)['a'] }} {{ tools is none }} {{ tools is defined }}", {"tools": None}),
    ("{{ messages[0]['content'] }} {{ messages[0].content }} {{ messages[-1].role }} {{ messages[5] is defined }}",
     {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}),
    ("{% for m in messages %}{% if m.content is string %}{{ m.content|trim }}{% else %}{% for c in m.content %}"
     "{% if c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %};{% endfor %}",
     {"messages": [{"content": " a "}, {"content": [{"type": "text", "text": "t"}, {"type": "image"}]}]}),
    # errors Jinja2 raises, which the Java interpreter must raise too
    ("{% for x in 5 %}{% endfor %}", {}),
    ("{% set a, b = [1] %}", {}),
    ("{% set x = 1 %}{% set x.y = 2 %}", {}),
    ("{{ 'a'.split('') }}", {}),
    ("{% if %}x{% endif %}", {}),
    ("{% for x in l %}", {"l": []}),
    ("{{ foo( }}", {}),
    ("{{ [1, 2]|select('odd')|length }}", {}),
    ("{{ u.attr }}", {}),
    ("{{ u() }}", {}),
    # found by the expression grid: generator filters on false values, float floor division, unhashable keys
    ("{{ 0|select|list }} {{ none|map('upper')|list }} {{ (5|select) is defined }} {{ 1 // 0.1 }} {{ -1 // 0.1 }} "
     "{{ 7.0 % -2 }} {{ -0.0 % 5 }} {{ [1, 'a', 1].count(1) }} {{ (1, 2).index(2) }}", {}),
    ("{{ [1] in {} }}", {}),
    ("{{ (0)[::-1] }}|{{ (7)[1:]|sum }}|{{ 'x' if (1)[1:] else 'y' }}", {}),
    ("{{ n[1:] }}", {"n": 5}),
    ("{% if false %}{% break %}{% endif %}x", {}),
    ("{% for i in [1] %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %}x", {}),
    ("{% for i in [1, 2] %}{% else %}{% break %}{% endfor %}x", {}),
    # scoping and statements in combination
    ("{% set x = 'top' %}{% if true %}{% set x = 'if' %}{% endif %}{{ x }} {% for i in [1] %}{% if true %}"
     "{% set x = 'loop' %}{% endif %}{{ x }}{% endfor %} {{ x }}", {}),
    ("{% for i in [1, 2] %}{% for j in [1, 2] %}{% if j == 2 %}{% break %}{% endif %}{{ i }}{{ j }} {% endfor %}"
     "{% endfor %}", {}),
    ("{% for i in [1, 2, 3] %}{% set outer = loop %}{% for j in 'ab' %}{{ outer.index }}{{ loop.index }}{{ j }} "
     "{% endfor %}{% endfor %}", {}),
    ("{% for x in [] %}{% else %}{{ loop is defined }}{% endfor %}", {}),
    ("{% for x in l if x != 2 %}{{ loop.previtem }}-{{ x }}-{{ loop.nextitem }}|{% endfor %}", {"l": [1, 2, 3, 4]}),
    ("{% set ns = namespace(items=[]) %}{% for m in msgs %}{% set ns.items = ns.items + [m.role] %}{% endfor %}"
     "{{ ns.items }}", {"msgs": [{"role": "a"}, {"role": "b"}]}),
    ("{% macro inner(x) %}<{{ x }}>{% endmacro %}{% macro outer(y) %}[{{ inner(y ~ '!') }}]{% endmacro %}"
     "{{ outer('a') }}{{ outer(1) }}", {}),
    ("{% macro m() %}{% set local = 1 %}{{ local }}{% endmacro %}{{ m() }}{{ local is defined }}", {}),
    ("{% macro m(a, b) %}{{ a }}|{{ b }}|{{ b is defined }}{% endmacro %}{{ m(1) }}", {}),
    ("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m() }}", {}),
    ("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% if not loop.last %}, {% endif %}{% endfor %}", {}),
    ("{%- for m in messages -%}\n    {%- if m.role == 'user' -%}\n        U:{{ m.content }}\n    {%- else -%}\n"
     "        A:{{ m.content }}\n    {%- endif -%}\n{%- endfor -%}\n",
     {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}),
    ("{% set x %}{% for i in range(3) %}{{ i }}{% endfor %}{% endset %}{{ x|length }}{{ x }}", {}),
    ("{{ ((messages | selectattr('role', 'equalto', 'system') | list) | length) > 0 }}",
     {"messages": [{"role": "system"}]}),
    ("{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% else %}"
     "{% set loop_messages = messages %}{% endif %}{{ loop_messages|length }}", {"messages": [{"role": "system"}, {}]}),
]


def whitespace_grid():
    """Templates mixing text, blocks, prints and comments with every whitespace-control sign, around spaces, tabs
    and newlines: the lexer's trim_blocks / lstrip_blocks / -/+ rules, sampled with a fixed seed."""
    rng = random.Random(21)
    spaces = ["", " ", "  ", "\n", " \n", "\n  ", "\t\n\t", "\n\n ", " \n \n"]
    opens = ["{%", "{%-", "{%+"]
    closes = ["%}", "-%}", "+%}"]
    prints = ["{{ v }}", "{{- v }}", "{{ v -}}", "{{- v -}}", "{{+ v }}"]
    comments = ["{# c #}", "{#- c #}", "{# c -#}", "{#- c -#}", "{#+ c #}", "{# c +#}"]
    out = []
    for _ in range(300):
        parts = ["A"]
        for piece in range(rng.randint(2, 4)):
            parts.append(rng.choice(spaces))
            kind = rng.randrange(3)
            if kind == 0:
                parts.append(rng.choice(opens) + " if t " + rng.choice(closes))
                parts.append(rng.choice(spaces) + "x" + rng.choice(spaces))
                parts.append(rng.choice(opens) + " endif " + rng.choice(closes))
            elif kind == 1:
                parts.append(rng.choice(prints))
            else:
                parts.append(rng.choice(comments))
            parts.append(rng.choice(spaces) + "B")
        parts.append(rng.choice(["", "\n", "\n\n", " \n"]))
        out.append(("".join(parts), {"t": True, "v": "V"}))
    return out


def expression_grid():
    """Random expressions over Python values (fixed seed): operators, filters, tests, str methods and slices
    combined, printed with {{ }}. Where Jinja2 raises, the Java interpreter may raise or refuse."""
    rng = random.Random(7)
    atoms = ["0", "1", "-3", "7", "2.5", "-1.25", "1e20", "0.1", "''", "'a'", "'Ab c'", "' x '", "'é👋z'",
             "'a,b'", "none", "true", "false", "[1, 'a']", "[]", "[3, 1, 2]", "{'k': 1, 'a': 'b'}", "{}",
             "(1, 2)", "u", "s", "n", "l", "d"]
    binops = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"]
    filters = ["length", "string", "upper", "lower", "trim", "first", "last", "list", "join", "join(', ')",
               "default('D')", "default('D', true)", "int", "float", "tojson", "abs", "reverse|list", "capitalize",
               "title", "unique|list", "sort", "count", "sum", "max", "min", "items|list", "select|list",
               "map('string')|list"]
    tests = ["defined", "undefined", "none", "string", "number", "integer", "float", "iterable", "sequence",
             "mapping", "true", "false", "boolean", "odd", "even", "divisibleby(2)", "in([1, 'a'])", "lower"]
    methods = [".upper()", ".strip()", ".split()", ".split(',')", ".startswith('a')", ".endswith(('c', 'z'))",
               ".replace('a', 'X')", ".title()", ".lstrip('a ')", ".rstrip('z')", ".find('b')", ".count('a')",
               ".items()|list", ".get('k')", ".keys()|list", ".format(1)"]
    subscripts = ["[0]", "[-1]", "[1:]", "[::-1]", "[:1]", "[::2]", "['k']", ".k", "[5]", "[1:-1]"]

    def expr(depth):
        if depth == 0 or rng.random() < 0.25:
            return rng.choice(atoms)
        k = rng.randrange(7)
        if k == 0:
            return "(" + expr(depth - 1) + " " + rng.choice(binops) + " " + expr(depth - 1) + ")"
        if k == 1:
            return "(" + rng.choice(["not ", "-"]) + expr(depth - 1) + ")"
        if k == 2:
            return "(" + expr(depth - 1) + "|" + rng.choice(filters) + ")"
        if k == 3:
            return "(" + expr(depth - 1) + " is " + rng.choice(["", "not "]) + rng.choice(tests) + ")"
        if k == 4:
            return "(" + expr(depth - 1) + ")" + rng.choice(methods)
        if k == 5:
            return "(" + expr(depth - 1) + ")" + rng.choice(subscripts)
        return "(" + expr(depth - 1) + " if " + expr(depth - 1) + " else " + expr(depth - 1) + ")"

    context = {"s": "Hello, World", "n": 42, "l": ["x", "y", "z"], "d": {"k": [1, 2], "z": None}}
    return [("{{ " + expr(3) + " }}", context) for _ in range(1500)]


def statement_grid():
    """Random nestings of for / if / set / namespace / macro over a messages-like context, with random whitespace
    control and indentation (fixed seed): scoping, loop variables and the lexer together."""
    rng = random.Random(11)
    context = {"messages": [{"role": "system", "content": " sys "}, {"role": "user", "content": "u1"},
                            {"role": "assistant", "content": "<think>t</think>a1"}, {"role": "user", "content": "u2"}],
               "flag": True, "n": 3}
    exprs = ["m.role", "m.content|trim", "loop.index", "loop.first", "loop.last", "loop.previtem.role",
             "ns.count", "x", "n", "messages|length", "m.content.split('</think>')[-1]", "loop.revindex",
             "(m.role == 'user')", "x ~ '|'", "ns.last", "m.role[0]|upper"]
    conds = ["m.role == 'user'", "loop.first", "not loop.last", "flag", "x", "ns.count > 1", "m.content",
             "m.role in ['system', 'assistant']", "loop.index is odd", "n > loop.index"]
    sets = ["{% set x = m.role %}", "{% set ns.count = ns.count + 1 %}", "{% set ns.last = m.content %}",
            "{% set x = x ~ 'x' %}", "{% set n = n + 1 %}"]
    signs = [("{%", "%}"), ("{%-", "%}"), ("{%", "-%}"), ("{%-", "-%}")]
    ws = ["", " ", "\n", "\n    ", "\n\t", "  \n  "]

    def tag(body):
        o, c = rng.choice(signs)
        return rng.choice(ws) + o + " " + body + " " + c + rng.choice(ws)

    def block(depth, in_loop):
        parts = []
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(5 if depth > 0 else 3)
            if k == 0 and in_loop:
                e = rng.choice(exprs)
            elif k == 0:
                e = rng.choice(["x", "n", "ns.count", "ns.last", "messages|length", "flag"])
            if k == 0:
                parts.append(rng.choice(ws) + rng.choice(["{{ ", "{{- "]) + e + rng.choice([" }}", " -}}"]))
            elif k == 1:
                st = rng.choice(sets) if in_loop else rng.choice(sets[3:])
                o, c = rng.choice(signs)
                parts.append(rng.choice(ws) + st.replace("{%", o).replace("%}", c))
            elif k == 2:
                parts.append(rng.choice(ws) + rng.choice(["text", "T", "<tag>", " spaced "]))
            elif k == 3:
                c = rng.choice(conds) if in_loop else rng.choice(["flag", "x", "ns.count > 1", "n > 3"])
                parts.append(tag("if " + c) + block(depth - 1, in_loop) + tag("else") + block(depth - 1, in_loop)
                             + tag("endif"))
            else:
                target = rng.choice(["messages", "messages[1:]", "messages[::-1]", "messages|selectattr('role', 'equalto', 'user')"])
                parts.append(tag("for m in " + target + rng.choice(["", " if m.role != 'system'"]))
                             + block(depth - 1, True) + tag("endfor"))
        return "".join(parts)

    out = []
    for _ in range(300):
        template = ("{% set ns = namespace(count=0, last='') %}{% set x = 'x0' %}" + block(3, False)
                    + "|{{ x }}|{{ n }}|{{ ns.count }}|{{ ns.last }}" + rng.choice(["", "\n", "\n\n"]))
        out.append((template, context))
    return out


def snippets():
    out = []
    for template, context in SNIPPETS + whitespace_grid():
        case = {"template": template, "context": context}
        case.update(render(template, context))
        out.append(case)
    for template, context in statement_grid():
        case = {"template": template, "context": context}
        case.update(render(template, context))
        out.append(case)
    for template, context in expression_grid():
        case = {"template": template, "context": context, "refusal_ok": True}
        case.update(render(template, context))
        out.append(case)
    return out


if __name__ == "__main__":
    assert jinja2.__version__.startswith("3."), jinja2.__version__
    header = {"generator": "generate.py", "jinja2": jinja2.__version__, "now": NOW.isoformat()}
    with open(os.path.join(HERE, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({**header, "cases": cases()}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(HERE, "snippets.json"), "w", encoding="utf-8") as f:
        json.dump({**header, "snippets": snippets()}, f, ensure_ascii=False, indent=1)
        f.write("\n")
