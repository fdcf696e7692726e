using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Tracktile;
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

// Demo data for local runs: the order, products and lot that tests/Fixtures/events/*.json refer to, so a signed
// fixture sent with send-webhook becomes an ERP sales order or stock movement you can see at /_sandbox/erp.
server.State.SeedOrders(new TracktileOrder("ord_1", "SO-1001", "cus_1", new DateOnly(2024, 2, 1), "USD", "ready",
    [new TracktileOrderItem("prod_1", 2, 9.5m), new TracktileOrderItem("prod_2", 1, 4.25m)]));
server.State.SeedProducts(
    new TracktileProduct("prod_1", "FLOUR-25", "Flour 25 kg", "kg", true, DateTimeOffset.UtcNow.AddHours(-2)),
    new TracktileProduct("prod_2", "SUGAR-10", "Sugar 10 kg", "kg", true, DateTimeOffset.UtcNow.AddMinutes(-30)));
server.State.SeedInventoryEntities(new InventoryEntity("ent_1", "BATCH-001", "prod_1", 120, "kg"));

// The same world in Business Central (Erp__Provider=BusinessCentral): the customer of cus_1 and no items yet (the
// product batch creates FLOUR-25 and SUGAR-10 from the products' SKUs).
server.State.SeedBcCustomer("C10000", "Acme Foods", email: "orders@acme.test");
Console.WriteLine($"""
    Sandbox listening on {server.BaseAddress}
      Tracktile API: {server.TracktileBaseAddress}  (Authorization: Bearer {options.TracktileToken})
      ERP:           {server.ErpBaseAddress}
      Business Central: {server.BusinessCentralBaseAddress}  (tenant {options.BusinessCentralTenant}, environment {options.BusinessCentralEnvironment}, company "{server.State.BcCompanyName}"; Basic {options.BusinessCentralBasicUser} / {options.BusinessCentralBasicKey})
      Entra token endpoint: {server.EntraAuthorityHost}  (HTTPS, self-signed; client {options.BusinessCentralClientId})
      Inspect:       {server.BaseAddress}_sandbox/calls, {server.BaseAddress}_sandbox/erp, {server.BaseAddress}_sandbox/bc, {server.BaseAddress}_sandbox/tracktile
    Ctrl+C to stop.
    """);
await server.WaitForShutdownAsync();
return 0;
