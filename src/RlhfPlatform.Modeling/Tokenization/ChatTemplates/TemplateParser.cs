using System.Globalization;

namespace RlhfPlatform.Modeling.Tokenization.ChatTemplates;

/// <summary>
/// Parses the Jinja subset chat templates use into nodes: text, {{ expression }}, if/elif/else,
/// for (with loop filter and else), set (including namespace attributes), and HF's
/// {% generation %} marker (rendered as its body). Expressions follow Jinja's precedence:
/// conditional, or, and, not, comparisons and "in", "~", "+ -", "* / // %", unary minus, then
/// postfix attribute/index/slice/call, filters and "is" tests.
/// </summary>
sealed class TemplateParser
{
    readonly List<Segment> segments;
    int next;

    TemplateParser(List<Segment> segments) => this.segments = segments;

    public static List<Node> Parse(string source)
    {
        var parser = new TemplateParser(TemplateLexer.Segments(source));
        var body = parser.ParseBody([], out var terminator);
        if (terminator is not null) throw Error(terminator.Peek(-1), $"unexpected '{{% {terminator.Peek(-1).Text} %}}'");
        return body;
    }

    /// <summary>Nodes up to a statement whose keyword is one of <paramref name="terminators"/> (returned positioned after it) or the end.</summary>
    List<Node> ParseBody(string[] terminators, out TokenStream? terminator)
    {
        var nodes = new List<Node>();
        while (next < segments.Count)
        {
            var segment = segments[next++];
            switch (segment.Kind)
            {
                case SegmentKind.Text:
                    nodes.Add(new TextNode(segment.Content));
                    break;
                case SegmentKind.Output:
                    var output = new TokenStream(TemplateLexer.Tokens(segment.Content, segment.Offset));
                    nodes.Add(new OutputNode(ParseExpression(output)));
                    output.ExpectEnd();
                    break;
                case SegmentKind.Statement:
                    var tokens = new TokenStream(TemplateLexer.Tokens(segment.Content, segment.Offset));
                    var keyword = tokens.Next();
                    if (terminators.Contains(keyword.Text))
                    {
                        terminator = tokens;
                        return nodes;
                    }
                    nodes.Add(keyword.Text switch
                    {
                        "if" => ParseIf(tokens),
                        "for" => ParseFor(tokens),
                        "set" => ParseSet(tokens),
                        "generation" => ParseGeneration(tokens),
                        "elif" or "else" or "endif" or "endfor" or "endgeneration" => throw Error(keyword, $"'{keyword.Text}' without its opening tag"),
                        _ => throw Error(keyword, $"the '{keyword.Text}' tag is not supported"),
                    });
                    break;
            }
        }
        if (terminators.Length > 0) throw new InvalidDataException($"chat template: missing {{% {terminators[^1]} %}}");
        terminator = null;
        return nodes;
    }

    Node ParseIf(TokenStream tokens)
    {
        var branches = new List<(Expr, IReadOnlyList<Node>)>();
        IReadOnlyList<Node> otherwise = [];
        var condition = ParseExpression(tokens);
        tokens.ExpectEnd();
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"], out var end);
            branches.Add((condition, body));
            string keyword = end!.Peek(-1).Text;
            if (keyword == "elif")
            {
                condition = ParseExpression(end);
                end.ExpectEnd();
                continue;
            }
            end.ExpectEnd();
            if (keyword == "else")
            {
                otherwise = ParseBody(["endif"], out var endIf);
                endIf!.ExpectEnd();
            }
            return new IfNode(branches, otherwise);
        }
    }

    Node ParseFor(TokenStream tokens)
    {
        var targets = new List<string> { tokens.ExpectName() };
        while (tokens.Accept(",")) targets.Add(tokens.ExpectName());
        tokens.Expect("in");
        var items = ParseOr(tokens);
        Expr? filter = tokens.Accept("if") ? ParseExpression(tokens) : null;
        tokens.ExpectEnd();
        var body = ParseBody(["else", "endfor"], out var end);
        IReadOnlyList<Node> otherwise = [];
        if (end!.Peek(-1).Text == "else")
        {
            end.ExpectEnd();
            otherwise = ParseBody(["endfor"], out end);
        }
        end!.ExpectEnd();
        return new ForNode(targets, items, filter, body, otherwise);
    }

    static Node ParseSet(TokenStream tokens)
    {
        string name = tokens.ExpectName();
        string? attribute = tokens.Accept(".") ? tokens.ExpectName() : null;
        if (!tokens.Accept("=")) throw Error(tokens.Peek(), "only '{% set name = value %}' is supported, not block set");
        var value = ParseExpression(tokens);
        tokens.ExpectEnd();
        return new SetNode(name, attribute, value);
    }

    Node ParseGeneration(TokenStream tokens)
    {
        tokens.ExpectEnd();
        var body = ParseBody(["endgeneration"], out var end);
        end!.ExpectEnd();
        return new IfNode([(new Literal(true), body)], []);
    }

    static Expr ParseExpression(TokenStream tokens)
    {
        var value = ParseOr(tokens);
        if (!tokens.Accept("if")) return value;
        var condition = ParseOr(tokens);
        Expr? otherwise = tokens.Accept("else") ? ParseExpression(tokens) : null;
        return new Conditional(condition, value, otherwise);
    }

    static Expr ParseOr(TokenStream tokens)
    {
        var left = ParseAnd(tokens);
        while (tokens.Accept("or")) left = new Binary("or", left, ParseAnd(tokens));
        return left;
    }

    static Expr ParseAnd(TokenStream tokens)
    {
        var left = ParseNot(tokens);
        while (tokens.Accept("and")) left = new Binary("and", left, ParseNot(tokens));
        return left;
    }

    static Expr ParseNot(TokenStream tokens) => tokens.Accept("not") ? new Unary("not", ParseNot(tokens)) : ParseComparison(tokens);

    static readonly string[] ComparisonOperators = ["==", "!=", "<", ">", "<=", ">="];

    static Expr ParseComparison(TokenStream tokens)
    {
        var left = ParseConcat(tokens);
        while (true)
        {
            var token = tokens.Peek();
            if (token.Kind == TokenKind.Operator && ComparisonOperators.Contains(token.Text))
            {
                tokens.Next();
                left = new Binary(token.Text, left, ParseConcat(tokens));
            }
            else if (token.Is("in"))
            {
                tokens.Next();
                left = new Binary("in", left, ParseConcat(tokens));
            }
            else if (token.Is("not") && tokens.Peek(1).Is("in"))
            {
                tokens.Next();
                tokens.Next();
                left = new Unary("not", new Binary("in", left, ParseConcat(tokens)));
            }
            else return left;
        }
    }

    static Expr ParseConcat(TokenStream tokens)
    {
        var left = ParseSum(tokens);
        while (tokens.Accept("~")) left = new Binary("~", left, ParseSum(tokens));
        return left;
    }

    static Expr ParseSum(TokenStream tokens)
    {
        var left = ParseProduct(tokens);
        while (tokens.Peek().Kind == TokenKind.Operator && tokens.Peek().Text is "+" or "-")
            left = new Binary(tokens.Next().Text, left, ParseProduct(tokens));
        return left;
    }

    static Expr ParseProduct(TokenStream tokens)
    {
        var left = ParseUnary(tokens);
        while (tokens.Peek().Kind == TokenKind.Operator && tokens.Peek().Text is "*" or "/" or "//" or "%")
            left = new Binary(tokens.Next().Text, left, ParseUnary(tokens));
        return left;
    }

    static Expr ParseUnary(TokenStream tokens)
    {
        if (tokens.Peek().Kind == TokenKind.Operator && tokens.Peek().Text is "-" or "+")
            return new Unary(tokens.Next().Text, ParseUnary(tokens));
        return ParseFiltersAndTests(tokens, ParsePostfix(tokens, ParsePrimary(tokens)));
    }

    static Expr ParseFiltersAndTests(TokenStream tokens, Expr value)
    {
        while (true)
        {
            if (tokens.Accept("|"))
            {
                string name = tokens.ExpectName();
                var (args, kwargs) = tokens.Peek().Is("(") ? ParseArguments(tokens) : ([], []);
                value = new Filter(value, name, args, kwargs);
            }
            else if (tokens.Accept("is"))
            {
                bool negated = tokens.Accept("not");
                string name = tokens.ExpectName();
                var (args, _) = tokens.Peek().Is("(") ? ParseArguments(tokens) : ([], []);
                value = new Test(value, name, args, negated);
            }
            else return value;
        }
    }

    static Expr ParsePostfix(TokenStream tokens, Expr value)
    {
        while (true)
        {
            if (tokens.Accept("."))
            {
                value = new Attribute(value, tokens.ExpectName());
            }
            else if (tokens.Peek().Is("["))
            {
                tokens.Next();
                Expr? start = tokens.Peek().Is(":") ? null : ParseExpression(tokens);
                if (tokens.Accept(":"))
                {
                    Expr? stop = tokens.Peek().Is("]") || tokens.Peek().Is(":") ? null : ParseExpression(tokens);
                    Expr? step = tokens.Accept(":") && !tokens.Peek().Is("]") ? ParseExpression(tokens) : null;
                    value = new Slice(value, start, stop, step);
                }
                else value = new Index(value, start!);
                tokens.Expect("]");
            }
            else if (tokens.Peek().Is("("))
            {
                var (args, kwargs) = ParseArguments(tokens);
                value = new Call(value, args, kwargs);
            }
            else return value;
        }
    }

    static (IReadOnlyList<Expr> Args, IReadOnlyList<(string, Expr)> Kwargs) ParseArguments(TokenStream tokens)
    {
        tokens.Expect("(");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!tokens.Accept(")"))
        {
            if (tokens.Peek().Kind == TokenKind.Name && tokens.Peek(1).Is("="))
            {
                string name = tokens.Next().Text;
                tokens.Next();
                kwargs.Add((name, ParseExpression(tokens)));
            }
            else args.Add(ParseExpression(tokens));
            if (!tokens.Peek().Is(")")) tokens.Expect(",");
        }
        return (args, kwargs);
    }

    static Expr ParsePrimary(TokenStream tokens)
    {
        var token = tokens.Next();
        switch (token.Kind)
        {
            case TokenKind.String:
                string text = token.Text;
                while (tokens.Peek().Kind == TokenKind.String) text += tokens.Next().Text;
                return new Literal(text);
            case TokenKind.Integer:
                return new Literal(long.Parse(token.Text, CultureInfo.InvariantCulture));
            case TokenKind.Float:
                return new Literal(double.Parse(token.Text, CultureInfo.InvariantCulture));
            case TokenKind.Name:
                return token.Text switch
                {
                    "true" or "True" => new Literal(true),
                    "false" or "False" => new Literal(false),
                    "none" or "None" => new Literal(null),
                    _ => new Variable(token.Text),
                };
        }
        if (token.Is("("))
        {
            var inner = ParseExpression(tokens);
            tokens.Expect(")");
            return inner;
        }
        if (token.Is("["))
        {
            var items = new List<Expr>();
            while (!tokens.Accept("]"))
            {
                items.Add(ParseExpression(tokens));
                if (!tokens.Peek().Is("]")) tokens.Expect(",");
            }
            return new ListExpr(items);
        }
        if (token.Is("{"))
        {
            var entries = new List<(Expr, Expr)>();
            while (!tokens.Accept("}"))
            {
                var key = ParseExpression(tokens);
                tokens.Expect(":");
                entries.Add((key, ParseExpression(tokens)));
                if (!tokens.Peek().Is("}")) tokens.Expect(",");
            }
            return new DictExpr(entries);
        }
        throw Error(token, token.Kind == TokenKind.End ? "expression ends too early" : $"unexpected '{token.Text}'");
    }

    internal static InvalidDataException Error(Token token, string what) => new($"chat template: {what} at offset {token.Offset}");

    sealed class TokenStream(List<Token> tokens)
    {
        int position;

        public Token Peek(int ahead = 0) => tokens[Math.Clamp(position + ahead, 0, tokens.Count - 1)];

        public Token Next() => tokens[Math.Min(position++, tokens.Count - 1)];

        public bool Accept(string text)
        {
            if (!Peek().Is(text)) return false;
            position++;
            return true;
        }

        public void Expect(string text)
        {
            if (!Accept(text)) throw Error(Peek(), $"expected '{text}' but found '{(Peek().Kind == TokenKind.End ? "end of tag" : Peek().Text)}'");
        }

        public string ExpectName()
        {
            var token = Next();
            return token.Kind == TokenKind.Name ? token.Text : throw Error(token, $"expected a name but found '{token.Text}'");
        }

        public void ExpectEnd()
        {
            if (Peek().Kind != TokenKind.End) throw Error(Peek(), $"unexpected '{Peek().Text}'");
        }
    }
}
