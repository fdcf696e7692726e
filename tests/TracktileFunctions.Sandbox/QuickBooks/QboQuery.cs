using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>
/// The subset of QuickBooks' query language the fake understands:
/// <c>SELECT * | COUNT(*) FROM Entity [WHERE Prop op Value [AND ...]] [ORDERBY Prop [ASC|DESC][, ...]] [STARTPOSITION n] [MAXRESULTS m]</c>,
/// with <c>=, &lt;, &gt;, &lt;=, &gt;=, IN (...), LIKE '%..%'</c>. Keywords are case-insensitive, the entity name is
/// case-sensitive (as documented), strings are single-quoted with <c>\'</c> escapes. Anything else answers a
/// QueryParserError (4000); a property that is not queryable a QueryValidationError (4001). Name-list entities
/// (Customer, Item, Account) answer only active ones unless the query filters on <c>Active</c>. At most 1000 results
/// (100 when MAXRESULTS is not given).
/// </summary>
internal static partial class QboQuery
{
    public const int DefaultMaxResults = 100;
    public const int MaxResults = 1000;

    /// <summary>The queryable properties of each entity, with how to compare them.</summary>
    private static readonly Dictionary<string, Dictionary<string, QboField>> Fields = new(StringComparer.Ordinal)
    {
        [QboCompany.Customer] = Build(
            ("Id", FieldKind.Id), ("DisplayName", FieldKind.Text), ("GivenName", FieldKind.Text), ("MiddleName", FieldKind.Text),
            ("FamilyName", FieldKind.Text), ("CompanyName", FieldKind.Text), ("FullyQualifiedName", FieldKind.Text),
            ("PrimaryEmailAddr", FieldKind.Text), ("Active", FieldKind.Bool), ("Balance", FieldKind.Number), ("Job", FieldKind.Bool),
            ("MetaData.CreateTime", FieldKind.Time), ("MetaData.LastUpdatedTime", FieldKind.Time)),
        [QboCompany.Item] = Build(
            ("Id", FieldKind.Id), ("Name", FieldKind.Text), ("Sku", FieldKind.Text), ("Type", FieldKind.Text), ("Active", FieldKind.Bool),
            ("FullyQualifiedName", FieldKind.Text), ("UnitPrice", FieldKind.Number), ("QtyOnHand", FieldKind.Number),
            ("MetaData.CreateTime", FieldKind.Time), ("MetaData.LastUpdatedTime", FieldKind.Time)),
        [QboCompany.Invoice] = Build(
            ("Id", FieldKind.Id), ("DocNumber", FieldKind.Text), ("TxnDate", FieldKind.Date), ("DueDate", FieldKind.Date),
            ("CustomerRef", FieldKind.Id), ("Balance", FieldKind.Number),
            ("MetaData.CreateTime", FieldKind.Time), ("MetaData.LastUpdatedTime", FieldKind.Time)),
        [QboCompany.Account] = Build(
            ("Id", FieldKind.Id), ("Name", FieldKind.Text), ("AccountType", FieldKind.Text), ("AccountSubType", FieldKind.Text),
            ("Classification", FieldKind.Text), ("Active", FieldKind.Bool), ("FullyQualifiedName", FieldKind.Text),
            ("MetaData.CreateTime", FieldKind.Time), ("MetaData.LastUpdatedTime", FieldKind.Time)),
    };

    private enum FieldKind
    {
        Id,
        Text,
        Bool,
        Number,
        Date,
        Time,
    }

    /// <summary>Runs <paramref name="text"/> against the company: the <c>QueryResponse</c> object.</summary>
    public static JsonObject Run(QboCompany company, string text)
    {
        var query = Parse(text);
        var matches = company.Records(query.Entity)
            .Select(company.Render)
            .Where(e => query.Conditions.All(c => c.Matches(e)))
            .Where(e => query.FiltersActive || query.Entity == QboCompany.Invoice || Get(e, "Active") is not JsonValue a || !a.TryGetValue<bool>(out var active) || active)
            .ToList();
        if (query.Count)
        {
            return new JsonObject { ["totalCount"] = matches.Count };
        }

        IEnumerable<JsonObject> ordered = matches.OrderBy(e => long.Parse(Get(e, "Id")!.GetValue<string>(), CultureInfo.InvariantCulture));
        if (query.OrderBy.Count > 0)
        {
            IOrderedEnumerable<JsonObject>? sorted = null;
            foreach (var (field, descending) in query.OrderBy)
            {
                var comparer = Comparer<JsonObject>.Create((a, b) => field.Compare(a, b));
                sorted = sorted is null
                    ? descending ? matches.OrderDescending(comparer) : matches.Order(comparer)
                    : descending ? sorted.ThenByDescending(e => e, comparer) : sorted.ThenBy(e => e, comparer);
            }

            ordered = sorted!;
        }

        var page = ordered.Skip(query.StartPosition - 1).Take(query.MaxResults).ToList();
        if (page.Count == 0)
        {
            return [];
        }

        return new JsonObject
        {
            [query.Entity] = new JsonArray([.. page]),
            ["startPosition"] = query.StartPosition,
            ["maxResults"] = page.Count,
        };
    }

    private static Dictionary<string, QboField> Build(params (string Path, FieldKind Kind)[] fields)
        => fields.ToDictionary(f => f.Path, f => new QboField(f.Path, f.Kind), StringComparer.OrdinalIgnoreCase);

    private static JsonNode? Get(JsonObject entity, string path)
    {
        JsonNode? node = entity;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        // A reference compares by its value, an e-mail address by its Address.
        return node switch
        {
            JsonObject { } reference when reference["value"] is { } value => value,
            JsonObject { } email when email["Address"] is { } address => address,
            _ => node,
        };
    }

    private static ParsedQuery Parse(string text)
    {
        var tokens = Tokenize(text);
        var at = 0;
        Token Next() => at < tokens.Count ? tokens[at++] : throw QboFaultException.QueryParser($"Encountered \"<EOF>\" at line 1, column {text.Length.ToString(CultureInfo.InvariantCulture)}.");
        Token? Peek() => at < tokens.Count ? tokens[at] : null;
        bool IsKeyword(Token? t, string word) => t is { Quoted: false } && string.Equals(t.Text, word, StringComparison.OrdinalIgnoreCase);
        QboFaultException Unexpected(Token t) => QboFaultException.QueryParser($"Encountered \"{t.Text}\" at line 1, column {(t.Position + 1).ToString(CultureInfo.InvariantCulture)}.");
        void Expect(string word)
        {
            var t = Next();
            if (!IsKeyword(t, word))
            {
                throw Unexpected(t);
            }
        }

        Expect("select");
        var count = false;
        var first = Next();
        if (IsKeyword(first, "count"))
        {
            Expect("(");
            Expect("*");
            Expect(")");
            count = true;
        }
        else if (!IsKeyword(first, "*"))
        {
            // Projections are not supported by QuickBooks ("The response set returns all properties for each object").
            throw Unexpected(first);
        }

        Expect("from");
        var entityToken = Next();
        var entity = QboCompany.EntityNames.FirstOrDefault(e => string.Equals(e, entityToken.Text, StringComparison.Ordinal));
        if (entity is null || entityToken.Quoted)
        {
            throw QboFaultException.QueryValidation($"Invalid context declaration : {entityToken.Text}");
        }

        var fields = Fields[entity];
        QboField Field(Token t)
        {
            if (t.Quoted || !IdentifierRegex().IsMatch(t.Text))
            {
                throw Unexpected(t);
            }

            return fields.TryGetValue(t.Text, out var field) ? field : throw QboFaultException.QueryValidation($"property '{t.Text}' is not queryable");
        }

        var conditions = new List<QboCondition>();
        if (IsKeyword(Peek(), "where"))
        {
            Next();
            while (true)
            {
                var field = Field(Next());
                var op = Next();
                if (op.Quoted)
                {
                    throw Unexpected(op);
                }

                var opText = op.Text.ToLowerInvariant();
                switch (opText)
                {
                    case "=" or "<" or ">" or "<=" or ">=" or "like":
                        conditions.Add(new QboCondition(field, opText, [Value(Next(), Unexpected)]));
                        break;
                    case "in":
                        Expect("(");
                        var values = new List<Token>();
                        while (true)
                        {
                            values.Add(Value(Next(), Unexpected));
                            var separator = Next();
                            if (IsKeyword(separator, ")"))
                            {
                                break;
                            }

                            if (!IsKeyword(separator, ","))
                            {
                                throw Unexpected(separator);
                            }
                        }

                        conditions.Add(new QboCondition(field, "in", values));
                        break;
                    default:
                        throw Unexpected(op);
                }

                if (!IsKeyword(Peek(), "and"))
                {
                    break;
                }

                Next();
            }
        }

        var orderBy = new List<(QboField, bool)>();
        if (IsKeyword(Peek(), "orderby") || (IsKeyword(Peek(), "order") && at + 1 < tokens.Count && IsKeyword(tokens[at + 1], "by")))
        {
            if (IsKeyword(Next(), "order"))
            {
                Next();
            }

            while (true)
            {
                var field = Field(Next());
                var descending = false;
                if (IsKeyword(Peek(), "asc") || IsKeyword(Peek(), "desc"))
                {
                    descending = IsKeyword(Next(), "desc");
                }

                orderBy.Add((field, descending));
                if (!IsKeyword(Peek(), ","))
                {
                    break;
                }

                Next();
            }
        }

        int? start = null;
        int? max = null;
        while (Peek() is { } t)
        {
            if (IsKeyword(t, "startposition") && start is null)
            {
                Next();
                start = Integer(Next(), Unexpected);
            }
            else if (IsKeyword(t, "maxresults") && max is null)
            {
                Next();
                max = Integer(Next(), Unexpected);
            }
            else
            {
                throw Unexpected(t);
            }
        }

        return new ParsedQuery(
            entity,
            count,
            conditions,
            orderBy,
            Math.Max(1, start ?? 1),
            Math.Clamp(max ?? DefaultMaxResults, 1, MaxResults),
            conditions.Exists(c => c.Field.Path == "Active"));
    }

    private static Token Value(Token token, Func<Token, QboFaultException> unexpected)
        => token.Quoted || NumberRegex().IsMatch(token.Text) || token.Text.Equals("true", StringComparison.OrdinalIgnoreCase)
           || token.Text.Equals("false", StringComparison.OrdinalIgnoreCase)
            ? token
            : throw unexpected(token);

    private static int Integer(Token token, Func<Token, QboFaultException> unexpected)
        => !token.Quoted && int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw unexpected(token);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (c == '\'')
            {
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw QboFaultException.QueryParser($"Lexical error at line 1, column {(text.Length + 1).ToString(CultureInfo.InvariantCulture)}.  Encountered: <EOF> after : \"\"");
                    }

                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        value.Append(text[i + 1]);
                        i += 2;
                        continue;
                    }

                    if (text[i] == '\'')
                    {
                        i++;
                        break;
                    }

                    value.Append(text[i++]);
                }

                tokens.Add(new Token(value.ToString(), true, start));
            }
            else if (c is '<' or '>')
            {
                i++;
                if (i < text.Length && text[i] == '=')
                {
                    i++;
                }

                tokens.Add(new Token(text[start..i], false, start));
            }
            else if (c is '=' or '(' or ')' or ',' or '*')
            {
                tokens.Add(new Token(c.ToString(), false, start));
                i++;
            }
            else if (char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or ':')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '.' or '_' or '-' or ':'))
                {
                    i++;
                }

                tokens.Add(new Token(text[start..i], false, start));
            }
            else
            {
                throw QboFaultException.QueryParser($"Lexical error at line 1, column {(start + 1).ToString(CultureInfo.InvariantCulture)}.  Encountered: \"{c}\"");
            }
        }

        return tokens;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*$")]
    private static partial Regex IdentifierRegex();

    [GeneratedRegex("^-?[0-9]+(\\.[0-9]+)?$")]
    private static partial Regex NumberRegex();

    private sealed record Token(string Text, bool Quoted, int Position);

    private sealed record ParsedQuery(
        string Entity,
        bool Count,
        List<QboCondition> Conditions,
        List<(QboField Field, bool Descending)> OrderBy,
        int StartPosition,
        int MaxResults,
        bool FiltersActive);

    private sealed class QboField(string path, FieldKind kind)
    {
        public string Path { get; } = path;

        public int Compare(JsonObject a, JsonObject b) => CompareValues(Get(a, Path), Get(b, Path));

        public int? CompareTo(JsonObject entity, Token value)
        {
            var node = Get(entity, Path);
            if (node is not JsonValue stored)
            {
                return null;
            }

            return kind switch
            {
                FieldKind.Bool => bool.TryParse(value.Text, out var b) && stored.TryGetValue<bool>(out var s) ? s.CompareTo(b) : null,
                FieldKind.Id or FieldKind.Number => ToDecimal(stored) is { } d && decimal.TryParse(value.Text, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? d.CompareTo(v) : null,
                FieldKind.Date => ToDate(stored) is { } d && ParseTime(value.Text) is { } v ? d.CompareTo(DateOnly.FromDateTime(v.DateTime)) : null,
                FieldKind.Time => ToTime(stored) is { } t && ParseTime(value.Text) is { } v ? t.CompareTo(v) : null,
                _ => string.Compare(Text(stored), value.Text, StringComparison.OrdinalIgnoreCase),
            };
        }

        public bool Like(JsonObject entity, string pattern)
        {
            var text = Get(entity, Path) is JsonValue v ? Text(v) : null;
            if (text is null)
            {
                return false;
            }

            var regex = "^" + string.Join(".*", pattern.Split('%').Select(Regex.Escape)) + "$";
            return Regex.IsMatch(text, regex, RegexOptions.IgnoreCase | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
        }

        private int CompareValues(JsonNode? a, JsonNode? b)
        {
            if (a is not JsonValue x || b is not JsonValue y)
            {
                return (a is null ? 0 : 1) - (b is null ? 0 : 1);
            }

            return kind switch
            {
                FieldKind.Id or FieldKind.Number => Nullable.Compare(ToDecimal(x), ToDecimal(y)),
                FieldKind.Time => Nullable.Compare(ToTime(x), ToTime(y)),
                FieldKind.Date => Nullable.Compare(ToDate(x), ToDate(y)),
                FieldKind.Bool => x.TryGetValue<bool>(out var p) && y.TryGetValue<bool>(out var q) ? p.CompareTo(q) : 0,
                _ => string.Compare(Text(x), Text(y), StringComparison.OrdinalIgnoreCase),
            };
        }

        private static string? Text(JsonValue value) => value.TryGetValue<string>(out var s) ? s : value.ToJsonString();

        private static decimal? ToDecimal(JsonValue value)
            => value.TryGetValue<decimal>(out var d) ? d
                : value.TryGetValue<string>(out var s) && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var p) ? p : null;

        private static DateOnly? ToDate(JsonValue value)
            => value.TryGetValue<string>(out var s) && DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

        private static DateTimeOffset? ToTime(JsonValue value) => value.TryGetValue<string>(out var s) ? ParseTime(s) : null;

        /// <summary>An ISO time; one without an offset is in the company's zone.</summary>
        private static DateTimeOffset? ParseTime(string text)
        {
            if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                return null;
            }

            var hasOffset = OffsetRegex().IsMatch(text);
            return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset)
                ? withOffset
                : new DateTimeOffset(DateTime.SpecifyKind(DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Unspecified), QboWire.CompanyOffset);
        }
    }

    private sealed class QboCondition(QboField field, string op, List<Token> values)
    {
        public QboField Field { get; } = field;

        public bool Matches(JsonObject entity) => op switch
        {
            "in" => values.Exists(v => Field.CompareTo(entity, v) == 0),
            "like" => Field.Like(entity, values[0].Text),
            "=" => Field.CompareTo(entity, values[0]) == 0,
            "<" => Field.CompareTo(entity, values[0]) < 0,
            ">" => Field.CompareTo(entity, values[0]) > 0,
            "<=" => Field.CompareTo(entity, values[0]) <= 0,
            ">=" => Field.CompareTo(entity, values[0]) >= 0,
            _ => false,
        };
    }

    [GeneratedRegex("(Z|[+-][0-9]{2}:?[0-9]{2})$")]
    private static partial Regex OffsetRegex();
}
