namespace RlhfPlatform.Modeling.Tokenization.ChatTemplates;

abstract record Node;
sealed record TextNode(string Text) : Node;
sealed record OutputNode(Expr Value) : Node;
sealed record IfNode(IReadOnlyList<(Expr Condition, IReadOnlyList<Node> Body)> Branches, IReadOnlyList<Node> Else) : Node;
sealed record ForNode(IReadOnlyList<string> Targets, Expr Items, Expr? Filter, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else) : Node;
/// <summary>{% set name = value %} or {% set ns.attribute = value %}.</summary>
sealed record SetNode(string Name, string? Attribute, Expr Value) : Node;

abstract record Expr;
sealed record Literal(object? Value) : Expr;
sealed record Variable(string Name) : Expr;
sealed record ListExpr(IReadOnlyList<Expr> Items) : Expr;
sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Entries) : Expr;
sealed record Attribute(Expr Target, string Name) : Expr;
sealed record Index(Expr Target, Expr Key) : Expr;
sealed record Slice(Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr;
sealed record Call(Expr Callee, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs) : Expr;
sealed record Filter(Expr Target, string Name, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs) : Expr;
sealed record Test(Expr Target, string Name, IReadOnlyList<Expr> Args, bool Negated) : Expr;
sealed record Unary(string Op, Expr Operand) : Expr;
sealed record Binary(string Op, Expr Left, Expr Right) : Expr;
sealed record Conditional(Expr Condition, Expr Then, Expr? Else) : Expr;
