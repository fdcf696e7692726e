using System.Globalization;
using System.Text;

namespace TracktileFunctions.Sandbox.Shopify;

/// <summary>One term of Shopify's search syntax: <c>[-]field:[&lt;|&gt;|&lt;=|&gt;=]value</c>, or free text when <see cref="Field"/> is null.</summary>
internal sealed record ShopifySearchTerm(string? Field, string Comparator, string Value, bool Negated);

/// <summary>
/// Shopify's search syntax (https://shopify.dev/docs/api/usage/search-syntax), enough of it for the fields the fake
/// filters on: terms joined by whitespace (implied AND) or <c>AND</c>/<c>OR</c>, <c>-</c>/<c>NOT</c> negation, the
/// comparators <c>:</c> <c>:&lt;</c> <c>:&gt;</c> <c>:&lt;=</c> <c>:&gt;=</c>, single- or double-quoted values. No parentheses.
/// </summary>
internal static class ShopifySearch
{
    /// <summary>The query as OR-groups of AND-ed terms.</summary>
    public static IReadOnlyList<IReadOnlyList<ShopifySearchTerm>> Parse(string? query)
    {
        var groups = new List<IReadOnlyList<ShopifySearchTerm>>();
        var current = new List<ShopifySearchTerm>();
        var negateNext = false;
        foreach (var token in Tokens(query ?? string.Empty))
        {
            if (token == "AND")
            {
                continue;
            }

            if (token == "OR")
            {
                if (current.Count > 0)
                {
                    groups.Add(current);
                }

                current = [];
                continue;
            }

            if (token == "NOT")
            {
                negateNext = true;
                continue;
            }

            current.Add(Term(token, negateNext));
            negateNext = false;
        }

        if (current.Count > 0)
        {
            groups.Add(current);
        }

        return groups;
    }

    /// <summary>Whether <paramref name="item"/> passes: no terms passes all; each term is tested by <paramref name="matches"/>.</summary>
    public static bool Matches<T>(IReadOnlyList<IReadOnlyList<ShopifySearchTerm>> groups, T item, Func<T, ShopifySearchTerm, bool> matches)
        => groups.Count == 0 || groups.Any(group => group.All(term => matches(item, term) != term.Negated));

    /// <summary>
    /// A text match as Shopify's search does it: not exact. Case-insensitive; the value matches a text that starts with
    /// it or has it at the start of a word (after a space, '-', '_', '.', '/'), so <c>sku:ABC-1</c> also finds
    /// <c>ABC-10</c> and <c>X-ABC-1</c>. A trailing <c>*</c> is a prefix wildcard (the same here).
    /// </summary>
    public static bool TextMatches(string? text, string value)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        value = value.TrimEnd('*');
        if (value.Length == 0)
        {
            return true;
        }

        for (var i = text.IndexOf(value, StringComparison.OrdinalIgnoreCase); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.OrdinalIgnoreCase))
        {
            if (i == 0 || text[i - 1] is ' ' or '-' or '_' or '.' or '/')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Compares a time with a term's value (an ISO 8601 time or date, in quotes or not).</summary>
    public static bool TimeMatches(DateTimeOffset time, ShopifySearchTerm term)
    {
        if (!DateTimeOffset.TryParse(term.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return false;
        }

        return Compare(time.CompareTo(value), term.Comparator);
    }

    /// <summary>Compares a number with a term's value.</summary>
    public static bool NumberMatches(long number, ShopifySearchTerm term)
        => long.TryParse(term.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && Compare(number.CompareTo(value), term.Comparator);

    private static bool Compare(int comparison, string comparator) => comparator switch
    {
        "<" => comparison < 0,
        "<=" => comparison <= 0,
        ">" => comparison > 0,
        ">=" => comparison >= 0,
        _ => comparison == 0,
    };

    private static ShopifySearchTerm Term(string token, bool negated)
    {
        if (token.StartsWith('-') && token.Length > 1)
        {
            negated = !negated;
            token = token[1..];
        }

        var colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || token[0] is '\'' or '"')
        {
            return new ShopifySearchTerm(null, ":", Unquote(token), negated);
        }

        var field = token[..colon];
        var rest = token[(colon + 1)..];
        var comparator = rest.StartsWith("<=", StringComparison.Ordinal) ? "<="
            : rest.StartsWith(">=", StringComparison.Ordinal) ? ">="
            : rest.StartsWith('<') ? "<"
            : rest.StartsWith('>') ? ">"
            : ":";
        var value = comparator == ":" ? rest : rest[comparator.Length..];
        return new ShopifySearchTerm(field, comparator, Unquote(value), negated);
    }

    private static string Unquote(string value)
        => value.Length >= 2 && value[0] is '\'' or '"' && value[^1] == value[0]
            ? value[1..^1].Replace("\\" + value[0], value[0].ToString(), StringComparison.Ordinal)
            : value;

    /// <summary>Splits on whitespace outside quotes.</summary>
    private static IEnumerable<string> Tokens(string query)
    {
        var token = new StringBuilder();
        char? quote = null;
        for (var i = 0; i < query.Length; i++)
        {
            var c = query[i];
            if (quote is { } q)
            {
                token.Append(c);
                if (c == '\\' && i + 1 < query.Length)
                {
                    token.Append(query[++i]);
                }
                else if (c == q)
                {
                    quote = null;
                }
            }
            else if (char.IsWhiteSpace(c))
            {
                if (token.Length > 0)
                {
                    yield return token.ToString();
                    token.Clear();
                }
            }
            else
            {
                if (c is '\'' or '"')
                {
                    quote = c;
                }

                token.Append(c);
            }
        }

        if (token.Length > 0)
        {
            yield return token.ToString();
        }
    }
}
