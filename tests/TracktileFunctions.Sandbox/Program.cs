using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Webhooks;

// dotnet run --project tests/TracktileFunctions.Sandbox [-- --urls http://127.0.0.1:7200]
// dotnet run --project tests/TracktileFunctions.Sandbox -- send-webhook --url ... --secret-env NAME --file ...
if (args.Length > 0 && args[0] == WebhookCommand.Name)
{
    return await WebhookCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

var options = new SandboxOptions
{
    Args = args,
    Url = args.Any(a => a.StartsWith("--urls", StringComparison.Ordinal)) ? null : new Uri("http://127.0.0.1:7200"),
};

await using var server = await SandboxServer.StartAsync(options);
Console.WriteLine($"""
    Sandbox listening on {server.BaseAddress}
      Tracktile API: {server.TracktileBaseAddress}  (Authorization: Bearer {options.TracktileToken})
      ERP:           {server.ErpBaseAddress}
      Inspect:       {server.BaseAddress}_sandbox/calls, {server.BaseAddress}_sandbox/erp, {server.BaseAddress}_sandbox/tracktile
    Ctrl+C to stop.
    """);
await server.WaitForShutdownAsync();
return 0;
