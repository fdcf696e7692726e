using System.Globalization;

namespace TracktileFunctions.LoadDriver;

/// <summary>Thrown for a command line the driver cannot use; its message says why.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// <c>--name value</c> options (repeatable) and <c>--flag</c> switches, read once; <see cref="EnsureAllRead"/> then
/// refuses anything unknown, so a typo never passes silently.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public ArgumentReader(IEnumerable<string> arguments, IReadOnlySet<string> flags)
    {
        using var e = arguments.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length < 3)
            {
                throw new UsageException($"unexpected argument '{name}' (options start with --)");
            }

            if (flags.Contains(name))
            {
                _flags.Add(name);
                continue;
            }

            if (!e.MoveNext())
            {
                throw new UsageException($"{name} needs a value");
            }

            if (!_values.TryGetValue(name, out var list))
            {
                _values[name] = list = [];
            }

            list.Add(e.Current);
        }
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _flags.Contains(name);
    }

    public IReadOnlyList<string> All(string name)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var list) ? list : [];
    }

    public string? Optional(string name)
    {
        var all = All(name);
        return all.Count switch
        {
            0 => null,
            1 => all[0],
            _ => throw new UsageException($"{name} is given {all.Count} times"),
        };
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"{name} is required");

    public int? OptionalInt(string name, int min = int.MinValue)
    {
        if (Optional(name) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new UsageException($"{name} must be a whole number of at least {min}, not '{text}'");
        }

        return value;
    }

    public double? OptionalDouble(string name, double min)
    {
        if (Optional(name) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || !double.IsFinite(value))
        {
            throw new UsageException($"{name} must be a number of at least {min}, not '{text}'");
        }

        return value;
    }

    /// <summary>The <c>--set Key=Value</c> pairs, with <c>__</c> in keys read as <c>:</c> (as app settings write them).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings(string name = "--set")
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var pair in All(name))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"{name} takes Key=Value, not '{pair}'");
            }

            result.Add(new(pair[..equals].Replace("__", ":", StringComparison.Ordinal), pair[(equals + 1)..]));
        }

        return result;
    }

    public void EnsureAllRead()
    {
        var unknown = _values.Keys.Concat(_flags).Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option(s): {string.Join(", ", unknown)}");
        }
    }
}
