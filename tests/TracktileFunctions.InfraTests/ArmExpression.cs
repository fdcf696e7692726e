using System.Globalization;
using System.Text;

namespace TracktileFunctions.InfraTests;

/// <summary>Just enough of the ARM template expression language to read a function call's arguments.</summary>
internal static class ArmExpression
{
    /// <summary>
    /// The top-level arguments of <paramref name="expression"/>, which must be a call of <paramref name="function"/>
    /// (<c>union(a, f(b, 'c, d'), e)</c> gives <c>a</c>, <c>f(b, 'c, d')</c>, <c>e</c>).
    /// </summary>
    public static IReadOnlyList<string> Arguments(string expression, string function)
    {
        var text = expression.Trim();
        if (!text.StartsWith(function + "(", StringComparison.Ordinal) || !text.EndsWith(')'))
        {
            throw new FormatException($"Expected a call of {function}(...): {text}");
        }

        var inner = text[(function.Length + 1)..^1];
        var arguments = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        var quoted = false;
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (quoted)
            {
                current.Append(c);
                if (c == '\'' && i + 1 < inner.Length && inner[i + 1] == '\'')
                {
                    current.Append(inner[++i]); // '' is an escaped quote
                }
                else if (c == '\'')
                {
                    quoted = false;
                }

                continue;
            }

            switch (c)
            {
                case '\'':
                    quoted = true;
                    break;
                case '(' or '[':
                    depth++;
                    break;
                case ')' or ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    arguments.Add(current.ToString().Trim());
                    current.Clear();
                    continue;
            }

            current.Append(c);
        }

        if (quoted || depth != 0)
        {
            throw new FormatException($"Unbalanced expression: {text}");
        }

        if (current.Length > 0)
        {
            arguments.Add(current.ToString().Trim());
        }

        return arguments;
    }

    /// <summary>
    /// Evaluates the little of the language a setting's value is steered with: string, integer and boolean literals,
    /// <c>parameters('x')</c> (from <paramref name="parameters"/>), <c>if</c>, <c>equals</c>, <c>greater</c>,
    /// <c>less</c>, <c>not</c>, <c>and</c>, <c>or</c>, <c>empty</c> and <c>format</c>. Anything else (a variable, a
    /// reference, a property of one) is not evaluated: it stands for itself as <c>&lt;expression&gt;</c>, so a test sees
    /// which branch was taken and what was formatted around it.
    /// </summary>
    public static object Evaluate(string expression, IReadOnlyDictionary<string, object> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var text = expression.Trim();
        if (StringLiteral(text) is { } literal)
        {
            return literal;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        if (text is "true" or "false")
        {
            return text == "true";
        }

        var open = text.IndexOf('(', StringComparison.Ordinal);
        var name = open > 0 ? text[..open] : "";
        if (name.Length == 0 || !name.All(char.IsAsciiLetterOrDigit) || !IsOneCall(text, open))
        {
            return $"<{text}>";
        }

        var arguments = Arguments(text, name);
        object Arg(int i) => Evaluate(arguments[i], parameters);
        return name switch
        {
            "parameters" => parameters.TryGetValue(StringLiteral(arguments[0]) ?? "", out var value)
                ? value is int i ? (long)i : value
                : throw new KeyNotFoundException($"No value given for {text}."),
            "if" => (bool)Arg(0) ? Arg(1) : Arg(2),
            "equals" => Equals(Arg(0), Arg(1)),
            "greater" => Convert.ToInt64(Arg(0), CultureInfo.InvariantCulture) > Convert.ToInt64(Arg(1), CultureInfo.InvariantCulture),
            "less" => Convert.ToInt64(Arg(0), CultureInfo.InvariantCulture) < Convert.ToInt64(Arg(1), CultureInfo.InvariantCulture),
            "not" => !(bool)Arg(0),
            "and" => arguments.Select((_, i) => (bool)Arg(i)).All(b => b),
            "or" => arguments.Select((_, i) => (bool)Arg(i)).Any(b => b),
            "empty" => Arg(0) is string { Length: 0 },
            "format" => string.Format(CultureInfo.InvariantCulture, (string)Arg(0), [.. arguments.Skip(1).Select(a => Evaluate(a, parameters))]),
            _ => $"<{text}>",
        };
    }

    /// <summary>Whether <paramref name="text"/> is one call whose parenthesis at <paramref name="open"/> closes at its end (not <c>f(a).b</c> or <c>f(a)[0]</c>).</summary>
    private static bool IsOneCall(string text, int open)
    {
        var (depth, quoted) = (0, false);
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                quoted = !quoted; // an escaped quote ('') toggles twice
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')' && --depth == 0)
            {
                return i == text.Length - 1;
            }
        }

        return false;
    }

    /// <summary>The value of a string literal argument (<c>'it''s'</c> gives <c>it's</c>), or null when it is not one.</summary>
    public static string? StringLiteral(string argument)
    {
        var text = argument.Trim();
        if (text.Length < 2 || text[0] != '\'' || text[^1] != '\'')
        {
            return null;
        }

        var body = text[1..^1];
        return body.Replace("''", "", StringComparison.Ordinal).Contains('\'', StringComparison.Ordinal) ? null : body.Replace("''", "'", StringComparison.Ordinal);
    }
}
