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
