using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>
/// The OData query options BC's API takes, parsed for one entity type: <c>$filter</c> (<c>eq ne gt ge lt le</c>,
/// <c>and</c>, <c>or</c>, <c>not</c>, parentheses, <c>contains</c>/<c>startswith</c>/<c>endswith</c>; string literals in
/// single quotes with <c>''</c> escaping, GUIDs unquoted), <c>$top</c>, <c>$skip</c>, <c>$orderby</c>, <c>$select</c>,
/// <c>$expand</c> and server-driven paging (<c>$skiptoken</c>, <c>Prefer: odata.maxpagesize</c>).
/// </summary>
internal sealed class BcQuery<T>
{
    private readonly Func<T, bool> _filter;
    private readonly Comparison<T>? _orderBy;

    private BcQuery(Func<T, bool> filter, Comparison<T>? orderBy, int? top, int skip, string? skipToken, IReadOnlySet<string>? select, IReadOnlySet<string> expand)
    {
        _filter = filter;
        _orderBy = orderBy;
        Top = top;
        Skip = skip;
        SkipToken = skipToken;
        Select = select;
        Expand = expand;
    }

    public int? Top { get; }

    public int Skip { get; }

    public string? SkipToken { get; }

    /// <summary>The properties to write; <see langword="null"/> for all.</summary>
    public IReadOnlySet<string>? Select { get; }

    /// <summary>The navigation properties to expand.</summary>
    public IReadOnlySet<string> Expand { get; }

    /// <summary>Parses the request's query options; <paramref name="expandable"/> are the navigation properties of the type.</summary>
    /// <exception cref="BcApiException">An option is malformed or names an unknown property.</exception>
    public static BcQuery<T> Parse(HttpRequest request, BcEntityType<T> type, params string[] expandable)
    {
        var query = request.Query;
        var filter = query["$filter"].ToString();
        var predicate = filter.Length == 0 ? (_ => true) : new FilterParser(filter, type).Parse();
        return new BcQuery<T>(
            predicate,
            ParseOrderBy(query["$orderby"].ToString(), type),
            ParseCount(query["$top"].ToString(), "$top"),
            ParseCount(query["$skip"].ToString(), "$skip") ?? 0,
            query["$skiptoken"].ToString() is { Length: > 0 } token ? token : null,
            ParseSelect(query["$select"].ToString(), type),
            ParseExpand(query["$expand"].ToString(), type, expandable));
    }

    /// <summary>Whether <paramref name="entity"/> passes <c>$filter</c>.</summary>
    public bool Matches(T entity) => _filter(entity);

    /// <summary>
    /// One page of <paramref name="source"/> (in its default order, by <paramref name="key"/>): filtered, ordered,
    /// skipped, cut to <c>$top</c> and to <paramref name="pageSize"/>. <see cref="BcPage{T}.NextSkipToken"/> is set
    /// when more remain.
    /// </summary>
    public BcPage<T> Page(IEnumerable<T> source, Func<T, string> key, int pageSize)
    {
        var rows = source.Where(_filter).OrderBy(key, StringComparer.Ordinal).ToList();
        if (_orderBy is { } order)
        {
            // List.Sort is not stable; the default order breaks ties.
            var position = rows.Select((r, i) => (r, i)).ToDictionary(p => key(p.r), p => p.i, StringComparer.Ordinal);
            rows.Sort((a, b) => order(a, b) is var c and not 0 ? c : position[key(a)].CompareTo(position[key(b)]));
        }

        IEnumerable<T> remaining = rows.Skip(Skip);
        var served = 0;
        if (SkipToken is { } token)
        {
            var decoded = DecodeToken(token);
            if (decoded.StartsWith("k:", StringComparison.Ordinal) && _orderBy is null)
            {
                var after = decoded[2..];
                remaining = remaining.Where(r => string.CompareOrdinal(key(r), after) > 0);
            }
            else if (decoded.StartsWith("o:", StringComparison.Ordinal)
                     && int.TryParse(decoded.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out served))
            {
                remaining = remaining.Skip(served);
            }
            else
            {
                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.NotFound, "The skip token is not valid.");
            }
        }

        var left = remaining.ToList();
        var take = Math.Min(pageSize, Top ?? int.MaxValue);
        var page = left.Take(take).ToList();
        var more = left.Count > page.Count && (Top is null || Top > page.Count);
        string? next = null;
        if (more)
        {
            // The next link drops $skip: an offset token counts from the first row.
            next = EncodeToken(_orderBy is null ? "k:" + key(page[^1]) : "o:" + (Skip + served + page.Count).ToString(CultureInfo.InvariantCulture));
        }

        return new BcPage<T>(page, next, Top is { } top ? top - page.Count : null);
    }

    private static string EncodeToken(string raw) => Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string DecodeToken(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return string.Empty;
        }
    }

    private static int? ParseCount(string text, string option)
    {
        if (text.Length == 0)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.BadRequest,
                $"Invalid value '{text}' for {option} query option found. The {option} query option requires a non-negative integer value.");
    }

    private static HashSet<string>? ParseSelect(string text, BcEntityType<T> type)
    {
        if (text.Length == 0)
        {
            return null;
        }

        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names)
        {
            _ = type.Find(name) ?? throw UnknownProperty(name, type);
        }

        return names;
    }

    private static HashSet<string> ParseExpand(string text, BcEntityType<T> type, string[] expandable)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!expandable.Contains(name, StringComparer.Ordinal))
            {
                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.NotFound,
                    $"Could not find a property named '{name}' on type 'Microsoft.NAV.{type.TypeName}'.");
            }
        }

        return names;
    }

    private static Comparison<T>? ParseOrderBy(string text, BcEntityType<T> type)
    {
        if (text.Length == 0)
        {
            return null;
        }

        var keys = new List<(BcProperty<T> Property, bool Descending)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var property = type.Find(words[0]) ?? throw UnknownProperty(words[0], type);
            var descending = words.Length > 1 && string.Equals(words[1], "desc", StringComparison.OrdinalIgnoreCase);
            keys.Add((property, descending));
        }

        return (a, b) =>
        {
            foreach (var (property, descending) in keys)
            {
                var c = CompareValues(property.Type, property.Get(a), property.Get(b));
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            return 0;
        };
    }

    private static int CompareValues(BcType type, object? a, object? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (string x, string y) => string.Compare(x, y, StringComparison.OrdinalIgnoreCase),
        (IComparable x, _) => x.CompareTo(b),
        _ => throw new InvalidOperationException($"Cannot compare values of {type.Kind}."),
    };

    private static BcApiException UnknownProperty(string name, BcEntityType<T> type)
        => new(StatusCodes.Status400BadRequest, BcErrors.NotFound, $"Could not find a property named '{name}' on type 'Microsoft.NAV.{type.TypeName}'.");

    private static BcApiException Syntax(string filter, string detail)
        => new(StatusCodes.Status400BadRequest, BcErrors.NotFound, $"Bad Request - Error in query syntax: {detail} in '{filter}'.");

    /// <summary>A literal of a filter: its OData type and its value.</summary>
    private readonly record struct Literal(string Edm, object? Value, string Text);

    /// <summary>A recursive-descent parser of <c>$filter</c> into a predicate.</summary>
    private sealed class FilterParser
    {
        private static readonly string[] Operators = ["eq", "ne", "gt", "ge", "lt", "le"];

        private readonly string _filter;
        private readonly BcEntityType<T> _type;
        private readonly List<string> _tokens = [];
        private int _position;

        public FilterParser(string filter, BcEntityType<T> type)
        {
            _filter = filter;
            _type = type;
            var index = 0;
            while (index < filter.Length)
            {
                if (string.IsNullOrWhiteSpace(filter[index..]))
                {
                    break;
                }

                var match = BcFilterSyntax.Token().Match(filter, index);
                if (!match.Success || match.Length == 0)
                {
                    throw Syntax(filter, $"syntax error at position {index}");
                }

                _tokens.Add(match.Value.Trim());
                index += match.Length;
            }
        }

        public Func<T, bool> Parse()
        {
            var predicate = ParseOr();
            return _position == _tokens.Count ? predicate : throw Syntax(_filter, $"unexpected '{_tokens[_position]}'");
        }

        private string? Peek => _position < _tokens.Count ? _tokens[_position] : null;

        private string Next() => _position < _tokens.Count ? _tokens[_position++] : throw Syntax(_filter, "unexpected end of expression");

        private bool Accept(string word)
        {
            if (string.Equals(Peek, word, StringComparison.Ordinal))
            {
                _position++;
                return true;
            }

            return false;
        }

        private Func<T, bool> ParseOr()
        {
            var left = ParseAnd();
            while (Accept("or"))
            {
                var l = left;
                var r = ParseAnd();
                left = e => l(e) || r(e);
            }

            return left;
        }

        private Func<T, bool> ParseAnd()
        {
            var left = ParseUnary();
            while (Accept("and"))
            {
                var l = left;
                var r = ParseUnary();
                left = e => l(e) && r(e);
            }

            return left;
        }

        private Func<T, bool> ParseUnary()
        {
            if (Accept("not"))
            {
                var inner = ParseUnary();
                return e => !inner(e);
            }

            if (Accept("("))
            {
                var inner = ParseOr();
                return Accept(")") ? inner : throw Syntax(_filter, "')' expected");
            }

            var word = Next();
            if (word is "contains" or "startswith" or "endswith" && Accept("("))
            {
                var property = Property(Next());
                if (!Accept(","))
                {
                    throw Syntax(_filter, "',' expected");
                }

                var literal = ReadLiteral(Next());
                if (!Accept(")"))
                {
                    throw Syntax(_filter, "')' expected");
                }

                if (literal.Value is not string text || property.Type.Kind is not (BcKind.Code or BcKind.Text or BcKind.Enum))
                {
                    throw Syntax(_filter, $"'{word}' takes a string property and a string literal");
                }

                return word switch
                {
                    "contains" => e => ((string?)property.Get(e) ?? string.Empty).Contains(text, StringComparison.OrdinalIgnoreCase),
                    "startswith" => e => ((string?)property.Get(e) ?? string.Empty).StartsWith(text, StringComparison.OrdinalIgnoreCase),
                    _ => e => ((string?)property.Get(e) ?? string.Empty).EndsWith(text, StringComparison.OrdinalIgnoreCase),
                };
            }

            var target = Property(word);
            var op = Next();
            if (!Operators.Contains(op, StringComparer.Ordinal))
            {
                throw Syntax(_filter, $"unknown operator '{op}'");
            }

            var value = Convert(target, ReadLiteral(Next()), op);
            return e =>
            {
                var c = CompareValues(target.Type, Normalize(target.Type, target.Get(e)), value);
                return op switch
                {
                    "eq" => c == 0,
                    "ne" => c != 0,
                    "gt" => c > 0,
                    "ge" => c >= 0,
                    "lt" => c < 0,
                    _ => c <= 0,
                };
            };
        }

        private static object? Normalize(BcType type, object? value) => type.Kind switch
        {
            BcKind.Integer when value is long l => (decimal)l,
            BcKind.Integer when value is int i => (decimal)i,
            _ => value,
        };

        private BcProperty<T> Property(string name) => _type.Find(name) ?? throw UnknownProperty(name, _type);

        private Literal ReadLiteral(string token)
        {
            if (token.StartsWith('\''))
            {
                if (token.Length < 2 || !token.EndsWith('\''))
                {
                    throw Syntax(_filter, "unterminated string literal");
                }

                var text = token[1..^1].Replace("''", "'", StringComparison.Ordinal);
                return new Literal("Edm.String", text, token);
            }

            if (token is "true" or "false")
            {
                return new Literal("Edm.Boolean", token == "true", token);
            }

            if (token == "null")
            {
                return new Literal("null", null, token);
            }

            if (BcFilterSyntax.Guid().IsMatch(token))
            {
                return new Literal("Edm.Guid", Guid.Parse(token), token);
            }

            if (BcFilterSyntax.Date().IsMatch(token) && DateOnly.TryParseExact(token, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return new Literal("Edm.Date", date, token);
            }

            if (BcFilterSyntax.DateTime().IsMatch(token))
            {
                return DateTimeOffset.TryParse(token, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                    ? new Literal("Edm.DateTimeOffset", time.ToUniversalTime(), token)
                    : throw Syntax(_filter, $"'{token}' is not a valid DateTimeOffset literal");
            }

            if (decimal.TryParse(token.TrimEnd('m', 'M'), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return new Literal("Edm.Decimal", number, token);
            }

            throw Syntax(_filter, $"'{token}' is not a literal");
        }

        /// <summary>Checks the literal against the property's type, as OData's binder does, and converts it.</summary>
        private static object? Convert(BcProperty<T> property, Literal literal, string op)
        {
            var kind = property.Type.Kind;
            var fits = literal.Edm switch
            {
                "null" => kind == BcKind.Date,
                "Edm.String" => kind is BcKind.Code or BcKind.Text or BcKind.Enum,
                "Edm.Boolean" => kind == BcKind.Boolean,
                "Edm.Guid" => kind == BcKind.Guid,
                "Edm.Date" => kind is BcKind.Date or BcKind.DateTime,
                "Edm.DateTimeOffset" => kind == BcKind.DateTime,
                _ => kind is BcKind.Decimal or BcKind.Integer,
            };

            if (!fits)
            {
                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.BadRequest,
                    $"A binary operator with incompatible types was detected. Found operand types '{EdmOf(property.Type)}' and '{literal.Edm}' for operator kind '{op}'.");
            }

            return literal.Value switch
            {
                string s when kind == BcKind.Code => s.Trim().ToUpperInvariant(),
                DateOnly d when kind == BcKind.DateTime => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
                _ => literal.Value,
            };
        }

        private static string EdmOf(BcType type) => type.Kind switch
        {
            BcKind.Guid => "Edm.Guid",
            BcKind.Decimal => "Edm.Decimal",
            BcKind.Integer => "Edm.Int32",
            BcKind.Boolean => "Edm.Boolean",
            BcKind.Date => "Edm.Date",
            BcKind.DateTime => "Edm.DateTimeOffset",
            BcKind.Enum => "Microsoft.NAV." + type.EnumName,
            _ => "Edm.String",
        };
    }
}

/// <summary>One page of a collection.</summary>
/// <param name="NextSkipToken">The <c>$skiptoken</c> of the next page; <see langword="null"/> on the last.</param>
/// <param name="RemainingTop">What is left of <c>$top</c> for the next page; <see langword="null"/> without <c>$top</c>.</param>
internal sealed record BcPage<T>(IReadOnlyList<T> Rows, string? NextSkipToken, int? RemainingTop);

/// <summary>The lexical pieces of <c>$filter</c>.</summary>
internal static partial class BcFilterSyntax
{
    [GeneratedRegex(@"\G\s*(?:(?<str>'(?:[^']|'')*')|(?<punct>[(),])|(?<word>[A-Za-z0-9_.:+\-]+))")]
    public static partial Regex Token();

    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    public static partial Regex Guid();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    public static partial Regex Date();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T")]
    public static partial Regex DateTime();
}
