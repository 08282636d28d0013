using System.Text;
using static RlhfPlatform.Modeling.Tokenization.ChatTemplates.TemplateValues;

namespace RlhfPlatform.Modeling.Tokenization.ChatTemplates;

/// <summary>Renders parsed template nodes against variables. Each for-loop iteration gets its own scope, as in Jinja.</summary>
sealed class TemplateRenderer
{
    sealed class Scope(Scope? parent)
    {
        readonly Dictionary<string, object?> variables = new(StringComparer.Ordinal);

        public object? Lookup(string name) =>
            variables.TryGetValue(name, out var value) ? value : parent is null ? Undefined.Instance : parent.Lookup(name);

        public void Set(string name, object? value) => variables[name] = value;
    }

    readonly StringBuilder output = new();
    Scope scope;

    TemplateRenderer(IReadOnlyDictionary<string, object?> globals)
    {
        scope = new Scope(null);
        foreach (var (name, value) in globals) scope.Set(name, value);
    }

    public static string Render(IReadOnlyList<Node> nodes, IReadOnlyDictionary<string, object?> globals)
    {
        var renderer = new TemplateRenderer(globals);
        renderer.RenderNodes(nodes);
        return renderer.output.ToString();
    }

    void RenderNodes(IReadOnlyList<Node> nodes)
    {
        foreach (var node in nodes) RenderNode(node);
    }

    void RenderNode(Node node)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                break;
            case OutputNode value:
                output.Append(Str(Eval(value.Value)));
                break;
            case IfNode choice:
                var branch = choice.Branches.FirstOrDefault(b => Truthy(Eval(b.Condition)));
                RenderNodes(branch.Body ?? choice.Else);
                break;
            case ForNode loop:
                RenderFor(loop);
                break;
            case SetNode { Attribute: null } set:
                scope.Set(set.Name, Eval(set.Value));
                break;
            case SetNode set:
                if (scope.Lookup(set.Name) is not Namespace ns)
                    throw new InvalidDataException($"chat template: '{set.Name}.{set.Attribute}' can only be set on a namespace()");
                ns.Attributes[set.Attribute!] = Eval(set.Value);
                break;
        }
    }

    void RenderFor(ForNode loop)
    {
        var items = Iterate(Eval(loop.Items));
        if (loop.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                var probe = new Scope(scope);
                Bind(probe, loop.Targets, item);
                var outer = scope;
                scope = probe;
                if (Truthy(Eval(loop.Filter))) kept.Add(item);
                scope = outer;
            }
            items = kept;
        }
        if (items.Count == 0)
        {
            RenderNodes(loop.Else);
            return;
        }
        var enclosing = scope;
        try
        {
            for (int i = 0; i < items.Count; i++)
            {
                scope = new Scope(enclosing);
                Bind(scope, loop.Targets, items[i]);
                scope.Set("loop", new Dictionary<string, object?>
                {
                    ["index"] = (long)i + 1, ["index0"] = (long)i,
                    ["revindex"] = (long)(items.Count - i), ["revindex0"] = (long)(items.Count - i - 1),
                    ["first"] = i == 0, ["last"] = i == items.Count - 1, ["length"] = (long)items.Count,
                    ["previtem"] = i > 0 ? items[i - 1] : Undefined.Instance,
                    ["nextitem"] = i < items.Count - 1 ? items[i + 1] : Undefined.Instance,
                });
                RenderNodes(loop.Body);
            }
        }
        finally
        {
            scope = enclosing;
        }
    }

    static void Bind(Scope target, IReadOnlyList<string> names, object? item)
    {
        if (names.Count == 1)
        {
            target.Set(names[0], item);
            return;
        }
        var parts = item as List<object?>;
        if (parts is null || parts.Count != names.Count)
            throw new InvalidDataException($"chat template: cannot unpack {TypeName(item)} into {names.Count} names");
        for (int i = 0; i < names.Count; i++) target.Set(names[i], parts[i]);
    }

    object? Eval(Expr expr) => expr switch
    {
        Literal literal => literal.Value,
        Variable variable => scope.Lookup(variable.Name),
        ListExpr list => list.Items.Select(Eval).ToList(),
        DictExpr dict => dict.Entries.ToDictionary(e => Str(Eval(e.Key)), e => Eval(e.Value)),
        Attribute attribute => TemplateBuiltins.GetAttribute(Eval(attribute.Target), attribute.Name),
        Index index => TemplateBuiltins.GetItem(Eval(index.Target), Eval(index.Key)),
        Slice slice => TemplateBuiltins.GetSlice(Eval(slice.Target), EvalOptional(slice.Start), EvalOptional(slice.Stop), EvalOptional(slice.Step)),
        Call call => CallValue(call),
        Filter filter => TemplateBuiltins.ApplyFilter(filter.Name, Eval(filter.Target), filter.Args.Select(Eval).ToList(),
            filter.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value))),
        Test test => TemplateBuiltins.ApplyTest(test.Name, Eval(test.Target), test.Args.Select(Eval).ToList()) != test.Negated,
        Unary { Op: "not" } unary => !Truthy(Eval(unary.Operand)),
        Unary { Op: "-" } unary => Eval(unary.Operand) is long l ? (object)(-l) : -ToDouble(Eval(unary.Operand)),
        Unary unary => Eval(unary.Operand),
        Binary { Op: "and" } binary => Truthy(Eval(binary.Left)) ? Eval(binary.Right) : Eval(binary.Left),
        Binary { Op: "or" } binary => Eval(binary.Left) is var left && Truthy(left) ? left : Eval(binary.Right),
        Binary binary => TemplateBuiltins.Operate(binary.Op, Eval(binary.Left), Eval(binary.Right)),
        Conditional conditional => Truthy(Eval(conditional.Condition)) ? Eval(conditional.Then)
            : conditional.Else is null ? Undefined.Instance : Eval(conditional.Else),
        _ => throw new InvalidOperationException($"unknown expression {expr.GetType().Name}"),
    };

    object? EvalOptional(Expr? expr) => expr is null ? null : Eval(expr);

    object? CallValue(Call call)
    {
        var callee = Eval(call.Callee);
        if (callee is not Callable function)
            throw new InvalidDataException($"chat template: {Describe(call.Callee)} is not a function ({TypeName(callee)})");
        return function(call.Args.Select(Eval).ToList(), call.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value)));
    }

    static string Describe(Expr expr) => expr switch
    {
        Variable v => $"'{v.Name}'",
        Attribute a => $"'.{a.Name}'",
        _ => "the called value",
    };
}
