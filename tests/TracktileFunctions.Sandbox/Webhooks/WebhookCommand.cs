namespace TracktileFunctions.Sandbox.Webhooks;

/// <summary>
/// <c>send-webhook --url URL (--secret SECRET | --secret-env NAME) --file PATH [--header NAME]</c>: posts a fixture
/// file signed with the secret to a running app, prints the answer, and exits 0 on 2xx, 1 otherwise (2 on bad
/// arguments).
/// </summary>
public static class WebhookCommand
{
    /// <summary>The first argument that selects this command.</summary>
    public const string Name = "send-webhook";

    /// <summary>The help text printed on bad arguments.</summary>
    public const string Usage =
        "usage: send-webhook --url URL (--secret SECRET | --secret-env NAME) --file PATH [--header NAME]\n"
        + "  --secret-env NAME  read the secret from environment variable NAME (keeps it out of shell history)\n"
        + "  --header NAME      the signature header (default " + WebhookSender.DefaultHeader + ")";

    /// <param name="args">The arguments after <see cref="Name"/>.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        if (!TryParse(args, out var options, out var problem))
        {
            await error.WriteLineAsync(problem);
            await error.WriteLineAsync(Usage);
            return 2;
        }

        byte[] body;
        try
        {
            body = await File.ReadAllBytesAsync(options["--file"], ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"cannot read {options["--file"]}: {ex.Message}");
            return 2;
        }

        try
        {
            using var client = new HttpClient();
            var result = await WebhookSender.SendAsync(
                client, new Uri(options["--url"]), options["secret"], body, options["--header"], TimeProvider.System, ct);
            await output.WriteLineAsync($"HTTP {result.StatusCode}");
            await output.WriteLineAsync(result.Body);
            return result.IsSuccess ? 0 : 1;
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"request failed: {ex.Message}");
            return 1;
        }
    }

    private static bool TryParse(IReadOnlyList<string> args, out Dictionary<string, string> options, out string problem)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal) { ["--header"] = WebhookSender.DefaultHeader };
        problem = string.Empty;
        string[] known = ["--url", "--secret", "--secret-env", "--file", "--header"];
        for (var i = 0; i < args.Count; i += 2)
        {
            if (!known.Contains(args[i], StringComparer.Ordinal) || i + 1 >= args.Count)
            {
                problem = $"unknown option or missing value: {args[i]}";
                return false;
            }

            options[args[i]] = args[i + 1];
        }

        if (!options.TryGetValue("--url", out var url) || !options.ContainsKey("--file"))
        {
            problem = "--url and --file are required";
            return false;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            problem = $"not an absolute URL: {url}";
            return false;
        }

        var secret = (options.GetValueOrDefault("--secret"), options.GetValueOrDefault("--secret-env")) switch
        {
            ({ } given, null) => given,
            (null, { } name) => Environment.GetEnvironmentVariable(name),
            _ => null,
        };

        if (string.IsNullOrEmpty(secret))
        {
            problem = "give exactly one of --secret or --secret-env (naming a set, non-empty environment variable)";
            return false;
        }

        options["secret"] = secret;
        return true;
    }
}
