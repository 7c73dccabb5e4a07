"""Writes crates/analysis/src/catalog/spark_functions.jsonl: every function
and operator of Spark SQL with its kind, usage, arities and result types, all
from the engine itself (a local session of the pyspark wheel that
scripts/spark-connect.sh installs; Java 17 needed):

    ~/.cache/loupe-spark/venv/bin/python scripts/gen_spark_catalog.py [-v] [NAME ...]

How the result types are found, per function and arity:
  - names from `SHOW FUNCTIONS`; usage from `DESCRIBE FUNCTION EXTENDED`; the
    group (aggregate, window, generator…) and the examples from the
    function's ExpressionInfo;
  - arities from the analyzer's own answer to a call with none and with
    thirteen arguments (`requires [2, 3] parameters`, `requires > 1`…);
  - calls over typed probes (a column and a literal of each of BOOLEAN,
    TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(10,2), STRING,
    BINARY, DATE, TIMESTAMP, ARRAY<INT>, ARRAY<STRING>, MAP<STRING, INT>,
    MAP<INT, STRING>, STRUCT<a: INT, b: STRING> and three lambdas), starting
    from the documented examples and from one type everywhere, then varying
    one argument at a time, then the product of what each position accepts,
    then other decimal widths; each call is typed by Spark's analyzer
    (`SELECT f(…) FROM probe`, hundreds of calls per analysis, nothing runs);
  - the calls are summarised as rules: argument classes per position and a
    result that is either a type or a template over the arguments (`$1`,
    `ARRAY<$1.element>`, `$wider(1-)` for the common type of arguments 1…,
    `$1.dec_sum` and `$dec_add(1,2)` for Spark's decimal precision rules),
    each template checked against every call it stands for. A result that
    depends on an argument's value (`round(d, 2)`, `from_json(s, 'a INT')`)
    is not a rule: the function is marked `value_dependent` and Loupe's own
    rules take over.

The first line of the file names the Spark version and `spark.sql.ansi.enabled`.
`-v` prints each function's rules; names restrict the run (for checking).
"""
import itertools
import json
import os
import pathlib
import random
import re
import sys
import time

os.environ.setdefault("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/analysis/src/catalog/spark_functions.jsonl"
VERBOSE = "-v" in sys.argv
ONLY = [a for a in sys.argv[1:] if not a.startswith("-")]

# ---------------------------------------------------------------- types
# A type is a tuple: ("PRIM", name) | ("DECIMAL", p, s) | ("ARRAY", t) |
# ("MAP", k, v) | ("STRUCT", ((name, t), ...)) | ("LAMBDA",).


def from_spark(dt):
    if isinstance(dt, T.ArrayType):
        return ("ARRAY", from_spark(dt.elementType))
    if isinstance(dt, T.MapType):
        return ("MAP", from_spark(dt.keyType), from_spark(dt.valueType))
    if isinstance(dt, T.StructType):
        return ("STRUCT", tuple((f.name, from_spark(f.dataType)) for f in dt.fields))
    if isinstance(dt, T.DecimalType):
        return ("DECIMAL", dt.precision, dt.scale)
    return ("PRIM", dt.simpleString().upper())


def text(t):
    """The type as Loupe's Spark fabrics show it (`STRUCT<a: INT>`)."""
    kind = t[0]
    if kind == "PRIM":
        return t[1]
    if kind == "DECIMAL":
        return f"DECIMAL({t[1]},{t[2]})"
    if kind == "ARRAY":
        return f"ARRAY<{text(t[1])}>"
    if kind == "MAP":
        return f"MAP<{text(t[1])}, {text(t[2])}>"
    if kind == "STRUCT":
        return "STRUCT<" + ", ".join(f"{n}: {text(f)}" for n, f in t[1]) + ">"
    if kind == "REF":
        return t[1]
    return "LAMBDA"


def type_class(t):
    """What rules match an argument by (Loupe's `spark_class`)."""
    if t[0] == "PRIM":
        return t[1]
    return t[0]


# ---------------------------------------------------------------- probes
# (type, column name, literal)
PROBES = [
    (("PRIM", "BOOLEAN"), "c_boolean", "true"),
    (("PRIM", "TINYINT"), "c_tinyint", "1Y"),
    (("PRIM", "SMALLINT"), "c_smallint", "1S"),
    (("PRIM", "INT"), "c_int", "1"),
    (("PRIM", "BIGINT"), "c_bigint", "1L"),
    # Fractions between 0 and 1: what percentages and probabilities take.
    (("PRIM", "FLOAT"), "c_float", "CAST(0.5 AS FLOAT)"),
    (("PRIM", "DOUBLE"), "c_double", "0.5D"),
    (("DECIMAL", 10, 2), "c_decimal", "CAST(0.5 AS DECIMAL(10,2))"),
    (("PRIM", "STRING"), "c_string", "'1'"),
    (("PRIM", "BINARY"), "c_binary", "X'31'"),
    (("PRIM", "DATE"), "c_date", "DATE'2024-01-31'"),
    (("PRIM", "TIMESTAMP"), "c_timestamp", "TIMESTAMP'2024-01-31 10:30:00'"),
    (("ARRAY", ("PRIM", "INT")), "c_array_int", "array(1, 2)"),
    (("ARRAY", ("PRIM", "STRING")), "c_array_string", "array('a', 'b')"),
    (("ARRAY", ("PRIM", "DOUBLE")), "c_array_double", "array(0.5D)"),
    (("MAP", ("PRIM", "STRING"), ("PRIM", "INT")), "c_map_string_int", "map('a', 1)"),
    (("MAP", ("PRIM", "STRING"), ("PRIM", "DOUBLE")), "c_map_string_double", "map('a', 0.5D)"),
    (("MAP", ("PRIM", "INT"), ("PRIM", "STRING")), "c_map_int_string", "map(1, 'a')"),
    (("MAP", ("PRIM", "INT"), ("PRIM", "DATE")), "c_map_int_date", "map(1, DATE'2024-01-31')"),
    (
        ("STRUCT", (("a", ("PRIM", "INT")), ("b", ("PRIM", "STRING")))),
        "c_struct",
        "named_struct('a', 1, 'b', 'x')",
    ),
    (
        ("STRUCT", (("a", ("PRIM", "DOUBLE")), ("b", ("PRIM", "DATE")))),
        "c_struct_double_date",
        "named_struct('a', 0.5D, 'b', DATE'2024-01-31')",
    ),
]
# Further decimals, to find a result's precision rule.
DECIMALS = [(("DECIMAL", p, s), f"c_decimal_{p}_{s}", f"CAST(1 AS DECIMAL({p},{s}))")
            for p, s in [(5, 0), (20, 5), (38, 10)]]
# Lambdas of one and two parameters, with bodies of different types.
LAMBDAS = ["x -> x", "x -> true", "(x, y) -> x"]
# A second literal of a class, to see whether a result follows the value.
OTHER_LITERALS = {"INT": ["3"], "STRING": ["'x INT'"], "DOUBLE": ["0.25D"]}

OPERATORS_BINARY = {
    "!=", "%", "&", "*", "+", "-", "/", "<", "<<", "<=", "<=>", "<>", "=", "==", ">",
    ">=", ">>", ">>>", "^", "|", "||", "and", "or", "div", "like", "ilike", "rlike",
    "regexp",
}
OPERATORS_UNARY = {"!", "~", "not", "-", "+"}
# Spelled by the grammar, not as calls; kept by name only.
SPECIAL = {"between", "case", "cast", "extract", "in", "when"}
# Results that follow an argument's value (a scale, a schema string, a
# field name), by arity (None: every arity), besides those the probes find:
# no rules from probes there; Loupe's own rules handle them.
VALUE_DEPENDENT = {
    "named_struct": None, "struct": None, "from_json": None, "from_csv": None,
    "from_xml": None, "date_part": None, "datepart": None, "to_number": None,
    "try_to_number": None, "from_avro": None, "from_protobuf": None,
    "round": {2}, "bround": {2}, "ceil": {2}, "ceiling": {2}, "floor": {2},
}

# ---------------------------------------------------------------- session
spark = (
    SparkSession.builder.master("local[1]")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.session.timeZone", "UTC")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("OFF")
jss = spark._jsparkSession
state = jss.sessionState()
version = spark.version
ansi = spark.conf.get("spark.sql.ansi.enabled")
columns = ", ".join(
    f"CAST(NULL AS {text(t)}) AS {c}"
    for t, c, _ in PROBES + DECIMALS
)
spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW probe AS SELECT {columns}")

STATS = {"calls": 0, "analyses": 0, "errors": 0}


def analyze(exprs):
    """Each expression's type (None where Spark does not resolve it)."""
    if not exprs:
        return []
    sql = "SELECT " + ", ".join(f"{e} AS c{k}" for k, e in enumerate(exprs)) + " FROM probe"
    STATS["analyses"] += 1
    try:
        plan = state.analyzer().execute(state.sqlParser().parsePlan(sql))
        found = plan.expressions()
        if found.size() != len(exprs):
            raise ValueError("unexpected plan")
        out = []
        for k in range(len(exprs)):
            e = found.apply(k)
            out.append(from_spark(T._parse_datatype_json_string(e.dataType().json()))
                       if e.resolved() else None)
        STATS["calls"] += len(exprs)
        return out
    except Exception as error:  # noqa: BLE001 (py4j errors and plan surprises)
        STATS["errors"] += 1
        if len(exprs) == 1:
            return [None]
        # The failing call is at the error's position when Spark names one.
        match = re.search(r"line 1 pos (\d+)", str(error))
        if match:
            pos, start = int(match.group(1)), len("SELECT ")
            for k, e in enumerate(exprs):
                end = start + len(e) + len(f" AS c{k}")
                if start <= pos < end:
                    rest = analyze(exprs[:k] + exprs[k + 1:])
                    return rest[:k] + [None] + rest[k:]
                start = end + 2
        half = len(exprs) // 2
        return analyze(exprs[:half]) + analyze(exprs[half:])


def analyze_many(exprs, batch=150):
    out = []
    for i in range(0, len(exprs), batch):
        out.extend(analyze(exprs[i:i + batch]))
    return out


def analyze_alone(expr):
    """A generator's output columns (one call per query: Spark allows one)."""
    sql = f"SELECT {expr} FROM probe"
    STATS["analyses"] += 1
    try:
        plan = state.analyzer().execute(state.sqlParser().parsePlan(sql))
        if not plan.resolved():
            return None
        fields = T._parse_datatype_json_string(plan.schema().json()).fields
        return ("STRUCT", tuple((f.name, from_spark(f.dataType)) for f in fields))
    except Exception:  # noqa: BLE001
        STATS["errors"] += 1
        return None


# ---------------------------------------------------------------- functions
def function_info(name):
    FI = spark._jvm.org.apache.spark.sql.catalyst.FunctionIdentifier
    try:
        info = state.catalog().lookupFunctionInfo(FI.apply(name))
        return info.getGroup() or "", info.getExamples() or ""
    except Exception:  # noqa: BLE001
        return "", ""


def usage_of(name):
    quoted = name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else f"`{name}`"
    try:
        rows = spark.sql(f"DESCRIBE FUNCTION EXTENDED {quoted}").collect()
    except Exception:  # noqa: BLE001
        return ""
    lines = [r[0] for r in rows]
    for i, line in enumerate(lines):
        if line.startswith("Usage:"):
            usage = line[len("Usage:"):].strip() or (lines[i + 1] if i + 1 < len(lines) else "")
            first = usage.strip().splitlines()[0].strip() if usage.strip() else ""
            return re.sub(r"\s+", " ", first)
    return ""


def call_text(name, args, kind):
    if name in OPERATORS_BINARY and len(args) == 2:
        return f"({args[0]} {name.upper() if name.isalpha() else name} {args[1]})"
    if name in OPERATORS_UNARY and len(args) == 1:
        return f"({name.upper() if name.isalpha() else name} {args[0]})"
    call = f"{name}({', '.join(args)})"
    if kind == "window":
        call += " OVER (ORDER BY c_int)"
    return call


def arities_of(name, kind):
    """Allowed arities and the least of a variadic function (or None)."""
    if name in OPERATORS_BINARY:
        return ([1, 2] if name in ("-", "+") else [2]), None
    if name in OPERATORS_UNARY:
        return [1], None
    messages = []
    for n in (0, 13):
        call = call_text(name, ["c_int"] * n, kind)
        try:
            state.analyzer().execute(state.sqlParser().parsePlan(f"SELECT {call} FROM probe"))
            messages.append(None)
        except Exception as error:  # noqa: BLE001
            messages.append(str(error).split("\n")[0])
    listed = set()
    minimum = None
    for n, m in zip((0, 13), messages):
        if m is None:
            listed.add(n)
            continue
        if "WRONG_NUM_ARGS" not in m and "REQUIRED_PARAMETER_NOT_FOUND" not in m:
            listed.add(n)  # the count was right, something else was not
            continue
        got = re.search(r"requires (.*?) parameters", m)
        spec = got.group(1).strip() if got else ""
        if spec.startswith("["):
            listed.update(int(x) for x in re.findall(r"\d+", spec))
        elif spec.startswith(">="):
            minimum = int(re.findall(r"\d+", spec)[0])
        elif spec.startswith(">"):
            minimum = int(re.findall(r"\d+", spec)[0]) + 1
        elif spec.startswith("2n"):
            return [2, 4], 2
        elif re.fullmatch(r"\d+", spec):
            listed.add(int(spec))
    if minimum is not None or (0 in listed and 13 in listed):
        least = minimum if minimum is not None else 0
        return list(range(least, least + 3)) or [0], least
    listed.discard(13)
    # Some builders name fewer arities than they take (`ceil` says 2, takes 1 too).
    for n in range(1, 4):
        if n in listed:
            continue
        call = call_text(name, ["c_int"] * n, kind)
        try:
            state.analyzer().execute(state.sqlParser().parsePlan(f"SELECT {call} FROM probe"))
            listed.add(n)
        except Exception as error:  # noqa: BLE001
            first = str(error).split("\n")[0]
            if "WRONG_NUM_ARGS" not in first and "REQUIRED_PARAMETER" not in first:
                listed.add(n)
    return sorted(listed), None


def example_calls(name, examples, arity):
    """Argument texts of the documented calls of `name` with `arity` arguments."""
    found = []
    for line in examples.splitlines():
        line = line.strip()
        if not line.startswith(">"):
            continue
        for m in re.finditer(r"(?<![\w.])" + re.escape(name) + r"\s*\(", line, re.I):
            args, depth, quote, current, i = [], 0, None, "", m.end()
            while i < len(line):
                c = line[i]
                if quote:
                    current += c
                    if c == quote:
                        quote = None
                elif c in "'\"`":
                    quote = c
                    current += c
                elif c in "([{":
                    depth += 1
                    current += c
                elif c in ")]}":
                    if depth == 0:
                        break
                    depth -= 1
                    current += c
                elif c == "," and depth == 0:
                    args.append(current.strip())
                    current = ""
                else:
                    current += c
                i += 1
            if current.strip():
                args.append(current.strip())
            if len(args) == arity and not any(
                re.search(r"\b(FROM|FOR|AS|WITHIN)\b", a) for a in args
            ):
                found.append(args)
    return found


# ---------------------------------------------------------------- templates
def integral_digits(t):
    return {"TINYINT": 3, "SMALLINT": 5, "INT": 10, "BIGINT": 20}.get(t[1]) if t[0] == "PRIM" else None


def as_decimal(t, text=None):
    """A decimal operand's precision and scale; an integer literal takes part
    with its own digits (Spark's `DecimalType.fromLiteral`)."""
    if t[0] == "DECIMAL":
        return t[1], t[2]
    literal = re.fullmatch(r"-?(\d+)[LSY]?", text.strip()) if text is not None else None
    if literal:
        return max(len(literal.group(1)), 1), 0
    digits = integral_digits(t)
    return (digits, 0) if digits else None


def bounded(p, s):
    return ("DECIMAL", min(p, 38), min(s, 38))


def adjusted(p, s):
    if p <= 38:
        return ("DECIMAL", p, s)
    int_digits = p - s
    min_scale = min(s, 6)
    return ("DECIMAL", 38, max(38 - int_digits, min_scale))


def dec1(rule, t):
    if t[0] != "DECIMAL":
        return None
    p, s = t[1], t[2]
    if rule == "dec_sum":
        return bounded(p + 10, s)
    if rule == "dec_avg":
        return bounded(p + 4, s + 4)
    if rule == "dec_int":
        return ("DECIMAL", p, s) if s == 0 else bounded(p - s + 1, 0)
    return None


def dec2(rule, a, b, a_text=None, b_text=None):
    if a[0] != "DECIMAL" and b[0] != "DECIMAL":
        return None
    x, y = as_decimal(a, a_text), as_decimal(b, b_text)
    if x is None or y is None:
        return None
    (p1, s1), (p2, s2) = x, y
    if rule == "dec_add":
        s = max(s1, s2)
        return adjusted(max(p1 - s1, p2 - s2) + s + 1, s)
    if rule == "dec_mul":
        return adjusted(p1 + p2 + 1, s1 + s2)
    if rule == "dec_div":
        s = max(6, s1 + p2 + 1)
        return adjusted(p1 - s1 + s2 + s, s)
    if rule == "dec_mod":
        s = max(s1, s2)
        return adjusted(min(p1 - s1, p2 - s2) + s, s)
    return None


DEC1 = ["dec_sum", "dec_avg", "dec_int"]
DEC2 = ["dec_add", "dec_mul", "dec_div", "dec_mod"]
WIDER_SPECS = ["1-", "2-", "1-/2", "2-/2", "2,3"]


def spec_positions(spec, n):
    """Argument indexes (0-based) of `$wider(spec)`: `1-`, `2-/2`, `2,3`."""
    if "," in spec:
        return [int(x) - 1 for x in spec.split(",") if int(x) <= n]
    step = 1
    if "/" in spec:
        spec, step = spec.split("/")
        step = int(step)
    start = int(spec.rstrip("-")) - 1
    return list(range(start, n, step))


class Oracle:
    """Spark's common type of some arguments: the type of their `coalesce`."""

    def __init__(self):
        self.known = {}

    def prefetch(self, arg_texts_list):
        todo = [a for a in arg_texts_list if a not in self.known and a]
        todo = list(dict.fromkeys(todo))
        for a, t in zip(todo, analyze_many([f"coalesce({', '.join(a)})" for a in todo])):
            self.known[a] = t

    def get(self, arg_texts):
        return self.known.get(tuple(arg_texts))


ORACLE = Oracle()


def ref_value(ref, obs):
    """The value of a reference for one observed call."""
    args, texts = obs["args"], obs["texts"]
    m = re.fullmatch(r"\$(\d+)(?:\.(\w+))?", ref)
    if m:
        i = int(m.group(1)) - 1
        if i >= len(args):
            return None
        t, part = args[i], m.group(2)
        if part is None:
            return t
        if part == "element":
            return t[1] if t[0] == "ARRAY" else None
        if part in ("key", "value"):
            return (t[1] if part == "key" else t[2]) if t[0] == "MAP" else None
        return dec1(part, t)
    m = re.fullmatch(r"\$(dec_\w+)\((\d+),(\d+)\)", ref)
    if m:
        i, j = int(m.group(2)) - 1, int(m.group(3)) - 1
        if max(i, j) >= len(args):
            return None
        return dec2(m.group(1), args[i], args[j], texts[i], texts[j])
    m = re.fullmatch(r"\$wider\((.+)\)", ref)
    if m:
        positions = spec_positions(m.group(1), len(args))
        if not positions:
            return None
        return ORACLE.get(tuple(texts[p] for p in positions))
    return None


def refs_for(obs):
    n = len(obs["args"])
    refs = []
    for i in range(1, n + 1):
        refs += [f"${i}", f"${i}.element", f"${i}.key", f"${i}.value"]
        refs += [f"${i}.{d}" for d in DEC1]
    for i, j in itertools.permutations(range(1, n + 1), 2):
        refs += [f"${d}({i},{j})" for d in DEC2]
    refs += [f"$wider({s})" for s in WIDER_SPECS]
    return refs


def evaluate(template, obs):
    kind = template[0]
    if kind == "REF":
        return ref_value(template[1], obs)
    if kind == "ARRAY":
        e = evaluate(template[1], obs)
        return None if e is None else ("ARRAY", e)
    if kind == "MAP":
        k, v = evaluate(template[1], obs), evaluate(template[2], obs)
        return None if k is None or v is None else ("MAP", k, v)
    if kind == "STRUCT":
        fields = []
        for n, f in template[1]:
            v = evaluate(f, obs)
            if v is None:
                return None
            fields.append((n, v))
        return ("STRUCT", tuple(fields))
    return template


def candidates(ret, obs, limit=40):
    """Templates for `ret` given one call's arguments, simplest first."""
    out = [ret]
    for ref in refs_for(obs):
        if ref_value(ref, obs) == ret:
            out.append(("REF", ref))
    if ret[0] == "ARRAY":
        out += [("ARRAY", e) for e in candidates(ret[1], obs, limit)[1:]]
    elif ret[0] == "MAP":
        keys = candidates(ret[1], obs, 6)
        values = candidates(ret[2], obs, 6)
        out += [("MAP", k, v) for k, v in itertools.product(keys, values)][1:]
    elif ret[0] == "STRUCT" and 0 < len(ret[1]) <= 4:
        per_field = [candidates(f, obs, 4) for _, f in ret[1]]
        names = [n for n, _ in ret[1]]
        out += [("STRUCT", tuple(zip(names, combo)))
                for combo in itertools.product(*per_field)][1:]
    return out[:limit]


def template_text(template):
    kind = template[0]
    if kind == "REF":
        return template[1]
    if kind == "ARRAY":
        return f"ARRAY<{template_text(template[1])}>"
    if kind == "MAP":
        return f"MAP<{template_text(template[1])}, {template_text(template[2])}>"
    if kind == "STRUCT":
        return "STRUCT<" + ", ".join(f"{n}: {template_text(f)}" for n, f in template[1]) + ">"
    return text(template)


def fitting(observations):
    """The simplest template that gives every observed result, or None."""
    if not observations:
        return None
    first = observations[0]
    for template in candidates(first["ret"], first):
        if all(evaluate(template, o) == o["ret"] for o in observations):
            return template
    return None


def merge(rules):
    """Joins rules with the same result that differ in one position."""
    changed = True
    while changed:
        changed = False
        for a, b in itertools.combinations(range(len(rules)), 2):
            ra, rb = rules[a], rules[b]
            if ra["ret"] != rb["ret"]:
                continue
            differing = [i for i, (x, y) in enumerate(zip(ra["args"], rb["args"])) if x != y]
            if len(differing) <= 1:
                for i in differing:
                    ra["args"][i] = sorted(set(ra["args"][i]) | set(rb["args"][i]))
                del rules[b]
                changed = True
                break
    return rules


# ---------------------------------------------------------------- probing
def probe_function(name, kind, arity, examples):
    """Observed calls of one arity: [{"args": types, "texts": arg texts, "ret": type}]."""
    probes = PROBES
    lambdas = [(("LAMBDA",), lam) for lam in LAMBDAS]
    if arity == 0:
        ret = analyze([call_text(name, [], kind)])[0]
        return [{"args": (), "texts": (), "ret": ret}] if ret else [], set()

    generator = kind == "generator"

    def run(calls):
        texts = [call_text(name, list(c), kind) for c in calls]
        if generator:
            return [analyze_alone(t) for t in texts]
        return analyze_many(texts)

    # The type of every documented argument.
    bases = []
    documented = example_calls(name, examples, arity)
    plain = [a for call in documented for a in call if "->" not in a]
    arg_types = dict(zip(plain, analyze_many(plain)))
    for call in documented:
        types = tuple(("LAMBDA",) if "->" in a else arg_types.get(a) for a in call)
        if all(types):
            bases.append((tuple(call), types))
    # One probe everywhere, as a column and as a literal.
    for t, column, literal in probes:
        bases.append(((column,) * arity, (t,) * arity))
        bases.append(((literal,) * arity, (t,) * arity))
    observations = {}

    def record(calls, types, results):
        for call, ts, ret in zip(calls, types, results):
            if ret is not None:
                observations.setdefault((call, ts), ret)

    results = run([b[0] for b in bases])
    record([b[0] for b in bases], [b[1] for b in bases], results)
    working = []
    seen_classes = set()
    for (call, ts), ret in zip(bases, results):
        key = tuple(type_class(t) for t in ts)
        if ret is not None and key not in seen_classes:
            seen_classes.add(key)
            working.append((call, ts))
    working = working[:6]

    # Value dependence: a documented literal swapped for another of its class.
    value_dependent = set()
    swaps, swap_meta = [], []
    for (call, ts), ret in zip(bases, results):
        if ret is None:
            continue
        for i, (a, t) in enumerate(zip(call, ts)):
            for other in OTHER_LITERALS.get(type_class(t), []):
                if a != other and not a.startswith("c_"):
                    swapped = list(call)
                    swapped[i] = other
                    swaps.append(tuple(swapped))
                    swap_meta.append((i, ret))
    for (i, ret), got in zip(swap_meta, run(swaps)):
        if got is not None and got != ret:
            value_dependent.add(i)

    # One position at a time around each working call.
    accepted = [dict() for _ in range(arity)]  # class -> [(text, type)]
    for call, ts in working:
        for i, t in enumerate(ts):
            accepted[i].setdefault(type_class(t), []).append((call[i], t))
    trials, trial_types = [], []
    for call, ts in working:
        for i in range(arity):
            options = [(c, t) for t, c, _ in probes] + [(lit, t) for t, _, lit in probes]
            options += [(lam, ("LAMBDA",)) for _, lam in lambdas]
            for text_, t in options:
                c = list(call)
                c[i] = text_
                ty = list(ts)
                ty[i] = t
                trials.append(tuple(c))
                trial_types.append(tuple(ty))
    trial_results = run(trials)
    record(trials, trial_types, trial_results)
    for call, ts, ret in zip(trials, trial_types, trial_results):
        if ret is None:
            continue
        base = next(((c, t) for c, t in working
                     if sum(x != y for x, y in zip(c, call)) <= 1), None)
        if base is None:
            continue
        for i in range(arity):
            if call[i] != base[0][i]:
                options = accepted[i].setdefault(type_class(ts[i]), [])
                if (call[i], ts[i]) not in options:
                    options.append((call[i], ts[i]))

    # Up to two arguments: every pair of probe columns too (cheap, and it
    # finds what no single base leads to, like a map with string keys and a string).
    if arity <= 2:
        pairs = list(itertools.product([(c, t) for t, c, _ in probes], repeat=arity))
        calls = [tuple(x[0] for x in combo) for combo in pairs]
        types = [tuple(x[1] for x in combo) for combo in pairs]
        results = run(calls)
        record(calls, types, results)
        for call, ts, ret in zip(calls, types, results):
            if ret is not None:
                for i in range(arity):
                    options = accepted[i].setdefault(type_class(ts[i]), [])
                    if (call[i], ts[i]) not in options:
                        options.append((call[i], ts[i]))

    # The product of what each position accepts (columns first).
    def choices(position):
        out = []
        for cls, options in position.items():
            columns_first = sorted(options, key=lambda o: not o[0].startswith("c_"))
            seen = set()
            for text_, t in columns_first:
                if t not in seen:
                    seen.add(t)
                    out.append((text_, t))
        return out

    per_position = [choices(p) for p in accepted]
    product = list(itertools.product(*per_position))
    if len(product) > 1200:
        random.seed(f"{name}/{arity}")
        product = random.sample(product, 1200)
    calls = [tuple(x[0] for x in combo) for combo in product]
    types = [tuple(x[1] for x in combo) for combo in product]
    record(calls, types, run(calls))

    # Other decimal widths wherever a decimal was accepted.
    more, more_types = [], []
    for (call, ts) in list(observations):
        decimals = [i for i, t in enumerate(ts) if t[0] == "DECIMAL"]
        if not decimals or any(t != ("DECIMAL", 10, 2) for t in (ts[i] for i in decimals)):
            continue
        per_position = []
        for i in decimals:
            column = call[i].startswith("c_")
            options = [(c if column else lit, t) for t, c, lit in DECIMALS]
            per_position.append(options + [(call[i], ts[i])])
        for combo in itertools.product(*per_position):
            c, ty = list(call), list(ts)
            for i, (text_, t) in zip(decimals, combo):
                c[i] = text_
                ty[i] = t
            more.append(tuple(c))
            more_types.append(tuple(ty))
    record(more, more_types, run(more))
    found = [{"args": ts, "texts": call, "ret": ret} for (call, ts), ret in observations.items()]
    return found, value_dependent


def rules_for(observations, arity):
    """Observed calls as rules (argument classes, result template)."""
    if arity == 0:
        return [{"args": [], "ret": template_text(observations[0]["ret"])}], 0
    # The common types the `$wider` templates need, fetched at once.
    wanted = []
    for o in observations:
        for spec in WIDER_SPECS:
            positions = spec_positions(spec, arity)
            if positions and all(o["texts"][p] and "->" not in o["texts"][p] for p in positions):
                wanted.append(tuple(o["texts"][p] for p in positions))
    ORACLE.prefetch(wanted)
    classes = lambda o: tuple(type_class(t) for t in o["args"])  # noqa: E731
    everywhere = fitting(observations)
    if everywhere is not None:
        positions = [sorted({c[i] for c in map(classes, observations)}) for i in range(arity)]
        return [{"args": positions, "ret": template_text(everywhere)}], 0
    groups = {}
    for o in observations:
        groups.setdefault(classes(o), []).append(o)
    rules, unexpressed = [], 0
    probe_types = {t for t, _, _ in PROBES + DECIMALS}
    for key, members in sorted(groups.items()):
        template = fitting(members)
        # One call with a nested argument no probe has (from an example) says
        # nothing of other element types: no rule from it.
        lone = len({o["args"] for o in members}) == 1 and any(
            t[0] in ("ARRAY", "MAP", "STRUCT") and t not in probe_types for t in members[0]["args"]
        )
        if template is None or lone:
            unexpressed += 1
            continue
        rules.append({"args": [[c] for c in key], "ret": template_text(template)})
    return merge(rules), unexpressed


def main():
    started = time.time()
    names = sorted({r[0].lower() for r in spark.sql("SHOW FUNCTIONS").collect()})
    if ONLY:
        names = [n for n in names if n in ONLY]
    lines = [json.dumps({"spark_version": version, "ansi": ansi == "true"})]
    totals = {"functions": 0, "typed": 0, "rules": 0, "unexpressed": 0, "value_dependent": 0}
    for name in names:
        group, examples = function_info(name)
        kind = {
            "agg_funcs": "aggregate",
            "window_funcs": "window",
            "generator_funcs": "generator",
        }.get(group, "scalar")
        if name in OPERATORS_BINARY or name in OPERATORS_UNARY:
            kind = "operator"
        entry = {"name": name, "kind": kind, "group": group, "usage": usage_of(name)}
        totals["functions"] += 1
        if name in SPECIAL:
            lines.append(json.dumps(entry))
            continue
        arities, least = arities_of(name, kind)
        entry["arity"] = arities
        if least is not None:
            entry["varargs"] = True
        rules = []
        dependent = set()
        for arity in arities[:6]:
            observations, value_dependent = probe_function(name, kind, arity, examples)
            if not observations:
                continue
            listed = name in VALUE_DEPENDENT and (
                VALUE_DEPENDENT[name] is None or arity in VALUE_DEPENDENT[name]
            )
            if value_dependent or listed:
                dependent.add(arity)
                continue
            found, unexpressed = rules_for(observations, arity)
            totals["unexpressed"] += unexpressed
            for r in found:
                rules.append(r)
        if dependent:
            entry["value_dependent"] = sorted(dependent)
            totals["value_dependent"] += 1
        if rules:
            entry["rules"] = rules
            totals["typed"] += 1
            totals["rules"] += len(rules)
        lines.append(json.dumps(entry))
        if VERBOSE:
            print(name, kind, entry.get("arity"), entry.get("value_dependent", ""))
            for r in rules:
                print("   ", " , ".join("|".join(a) for a in r["args"]), "->", r["ret"])
        else:
            print(f"\r{totals['functions']}/{len(names)} {name:30}", end="", flush=True)
    spark.stop()
    if ONLY:
        print()
        return
    OUT.write_text("\n".join(lines) + "\n")
    print(
        f"\n{OUT.relative_to(ROOT)}: {totals['functions']} functions of Spark {version} "
        f"(ANSI {ansi}), {totals['typed']} typed by {totals['rules']} rules, "
        f"{totals['value_dependent']} with results that follow a value, "
        f"{totals['unexpressed']} argument patterns no rule expresses; "
        f"{STATS['calls']} calls typed in {STATS['analyses']} analyses "
        f"({STATS['errors']} failed), {time.time() - started:.0f} s"
    )


main()
