using System.Diagnostics;
using System.Text.Json.Nodes;
using TracktileFunctions.Sandbox.Shopify;

namespace TracktileFunctions.SandboxTests.Shopify;

/// <summary>
/// The Shopify Admin schema validator (tests/tools/shopify/validate.mjs behind <see cref="ShopifySchema"/>), against
/// the real published schemas that tests/test.sh fetches.
/// </summary>
public sealed class ShopifySchemaTests
{
    private const string Current = "2026-10";

    private const string AdjustWithVariables = """
        mutation AdjustStock($input: InventoryAdjustQuantitiesInput!, $key: String!) {
          inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
            inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
            userErrors { field message code }
          }
        }
        """;

    private const string AdjustWithoutIdempotent = """
        mutation AdjustStock($input: InventoryAdjustQuantitiesInput!) {
          inventoryAdjustQuantities(input: $input) {
            inventoryAdjustmentGroup { id }
            userErrors { field message }
          }
        }
        """;

    private static readonly ShopifySchema Schema = ShopifySchema.Shared;

    private static JsonObject AdjustVariables(bool withChangeFromQuantity, string key = "7f1c0b9e-6d57-4c8e-9a43-2f0b8f9d1e11")
    {
        var change = new JsonObject
        {
            ["delta"] = -3,
            ["inventoryItemId"] = "gid://shopify/InventoryItem/30322695",
            ["locationId"] = "gid://shopify/Location/124656943",
        };
        if (withChangeFromQuantity)
        {
            change["changeFromQuantity"] = null;
        }

        return new JsonObject
        {
            ["key"] = key,
            ["input"] = new JsonObject
            {
                ["reason"] = "correction",
                ["name"] = "available",
                ["referenceDocumentUri"] = "tracktile://lots/lot_1",
                ["changes"] = new JsonArray(change),
            },
        };
    }

    private static string Describe(ShopifyValidation v)
        => string.Join("; ", v.Errors.Select(e => $"{e.Code}: {e.Message}"));

    [Fact]
    public void Versions_AfterFetch_ListsThePublishedVersions()
    {
        Assert.Contains("2026-01", ShopifySchema.Versions);
        Assert.Contains(Current, ShopifySchema.Versions);
    }

    [Fact]
    public async Task ValidateAsync_AdjustWithIdempotentAndNullChangeFromQuantity_IsValidWithCost()
    {
        var result = await Schema.ValidateAsync(Current, AdjustWithVariables, AdjustVariables(withChangeFromQuantity: true), "AdjustStock");

        Assert.True(result.IsValid, Describe(result));
        // 10 for the mutation, 1 each for inventoryAdjustmentGroup, changes, userErrors.
        Assert.Equal(13, result.RequestedQueryCost);
    }

    [Fact]
    public async Task ValidateAsync_MissingIdempotentOn202610_ReportsIdempotencyKeyRequired()
    {
        var result = await Schema.ValidateAsync(Current, AdjustWithoutIdempotent, AdjustVariables(withChangeFromQuantity: true), null);

        var error = Assert.Single(result.Errors);
        Assert.Equal("IDEMPOTENCY_KEY_REQUIRED", error.Code);
        Assert.Contains("inventoryAdjustQuantities", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Locations);
    }

    [Fact]
    public async Task ValidateAsync_BlankIdempotencyKey_ReportsIdempotencyKeyRequired()
    {
        var result = await Schema.ValidateAsync(Current, AdjustWithVariables, AdjustVariables(withChangeFromQuantity: true, key: "  "), null);

        Assert.Equal("IDEMPOTENCY_KEY_REQUIRED", Assert.Single(result.Errors).Code);
    }

    [Fact]
    public async Task ValidateAsync_ChangeWithoutChangeFromQuantityInVariables_ReportsChangeFromQuantityRequired()
    {
        var result = await Schema.ValidateAsync(Current, AdjustWithVariables, AdjustVariables(withChangeFromQuantity: false), null);

        var error = Assert.Single(result.Errors);
        Assert.Equal("CHANGE_FROM_QUANTITY_REQUIRED", error.Code);
        Assert.Contains("InventoryChangeInput", error.Message, StringComparison.Ordinal);
        Assert.Contains("$input.changes.0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_ChangeWithoutChangeFromQuantityAsLiteral_ReportsChangeFromQuantityRequired()
    {
        const string query = """
            mutation {
              inventoryAdjustQuantities(input: {
                reason: "correction", name: "available",
                changes: [
                  {delta: 1, changeFromQuantity: 4, inventoryItemId: "gid://shopify/InventoryItem/1", locationId: "gid://shopify/Location/1"},
                  {delta: 2, inventoryItemId: "gid://shopify/InventoryItem/2", locationId: "gid://shopify/Location/1"}
                ]
              }) @idempotent(key: "3f5b6ebf-143c-4da5-8d0f-fb8553bfd85d") {
                userErrors { field message }
              }
            }
            """;

        var result = await Schema.ValidateAsync(Current, query, null, null);

        var error = Assert.Single(result.Errors);
        Assert.Equal("CHANGE_FROM_QUANTITY_REQUIRED", error.Code);
        Assert.Contains("changes.1", error.Message, StringComparison.Ordinal);
        Assert.Equal(6, error.Locations![0]!["line"]!.GetValue<int>());
    }

    [Fact]
    public async Task ValidateAsync_SetQuantitiesWithoutChangeFromQuantity_ReportsChangeFromQuantityRequired()
    {
        const string query = """
            mutation Set($input: InventorySetQuantitiesInput!) {
              inventorySetQuantities(input: $input) @idempotent(key: "k-1") { userErrors { field message } }
            }
            """;
        var variables = JsonNode.Parse("""
            {"input": {"reason": "correction", "name": "available",
              "quantities": [{"inventoryItemId": "gid://shopify/InventoryItem/1", "locationId": "gid://shopify/Location/1", "quantity": 5}]}}
            """)!.AsObject();

        var result = await Schema.ValidateAsync("2026-04", query, variables, null);

        Assert.Equal("CHANGE_FROM_QUANTITY_REQUIRED", Assert.Single(result.Errors).Code);
    }

    [Fact]
    public async Task ValidateAsync_SameDocumentOn202601_IsValid()
    {
        var result = await Schema.ValidateAsync("2026-01", AdjustWithoutIdempotent, AdjustVariables(withChangeFromQuantity: false), null);

        Assert.True(result.IsValid, Describe(result));
    }

    [Fact]
    public async Task ValidateAsync_UnknownField_ReportsValidationError()
    {
        var result = await Schema.ValidateAsync(Current, "query { shop { id nameOfTheShop } }", null, null);

        var error = Assert.Single(result.Errors);
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", error.Code);
        Assert.Contains("nameOfTheShop", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_SyntaxError_ReportsParseFailed()
    {
        var result = await Schema.ValidateAsync(Current, "query { shop { id ", null, null);

        Assert.Equal("GRAPHQL_PARSE_FAILED", Assert.Single(result.Errors).Code);
    }

    [Fact]
    public async Task ValidateAsync_WrongVariableType_ReportsInvalidVariable()
    {
        var variables = AdjustVariables(withChangeFromQuantity: true);
        variables["input"]!["changes"]![0]!["delta"] = "three";

        var result = await Schema.ValidateAsync(Current, AdjustWithVariables, variables, null);

        var error = Assert.Single(result.Errors);
        Assert.Equal("INVALID_VARIABLE", error.Code);
        Assert.Contains("delta", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_AmbiguousOperation_ReportsValidationError()
    {
        var result = await Schema.ValidateAsync(Current, "query A { shop { id } } query B { shop { name } }", null, null);

        Assert.Equal("GRAPHQL_VALIDATION_FAILED", Assert.Single(result.Errors).Code);
    }

    [Fact]
    public async Task ValidateAsync_UnknownVersion_ReportsUnknownApiVersion()
    {
        var result = await Schema.ValidateAsync("2019-04", "query { shop { id } }", null, null);

        Assert.Equal("UNKNOWN_API_VERSION", Assert.Single(result.Errors).Code);
    }

    [Fact]
    public async Task ValidateAsync_NestedConnections_CostMultipliesByFirst()
    {
        const string query = """
            query Products($n: Int!) {
              products(first: $n) {
                edges { cursor node { id title variants(first: 5) { nodes { id sku } } } }
                pageInfo { hasNextPage endCursor }
              }
            }
            """;

        var result = await Schema.ValidateAsync(Current, query, new JsonObject { ["n"] = 10 }, null);

        Assert.True(result.IsValid, Describe(result));
        // 2 + 10 x (product 1 + variants (2 + 5 x 1)).
        Assert.Equal(82, result.RequestedQueryCost);
    }

    [Fact]
    public async Task ValidateAsync_SixteenConcurrentCallers_EachGetsItsOwnAnswer()
    {
        await Schema.ValidateAsync(Current, "{ shop { id } }", null, null); // the schema load is not what is tested here
        using var start = new ManualResetEventSlim();
        var callers = Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            start.Wait();
            var answers = new List<(int I, ShopifyValidation V)>();
            for (var round = 0; round < 8; round++)
            {
                var i = caller * 8 + round;
                var withChangeFromQuantity = i % 3 != 0;
                answers.Add((i, await Schema.ValidateAsync(Current, AdjustWithVariables, AdjustVariables(withChangeFromQuantity, key: $"key-{i}"), null)));
            }

            return answers;
        })).ToList();
        start.Set();

        var results = (await Task.WhenAll(callers)).SelectMany(a => a).ToList();

        Assert.Equal(128, results.Count);
        foreach (var (i, v) in results)
        {
            if (i % 3 != 0)
            {
                Assert.True(v.IsValid, $"#{i}: {Describe(v)}");
            }
            else
            {
                Assert.Equal("CHANGE_FROM_QUANTITY_REQUIRED", Assert.Single(v.Errors).Code);
            }
        }
    }

    [Fact]
    public async Task DisposeAsync_OwnInstance_ThenValidateThrowsObjectDisposed()
    {
        var schema = new ShopifySchema();
        Assert.True((await schema.ValidateAsync(Current, "{ shop { id } }", null, null)).IsValid);

        await schema.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => schema.ValidateAsync(Current, "{ shop { id } }", null, null));
    }

    [Fact]
    public async Task ValidateCli_FileWithInvalidRequest_ExitsWithOne()
    {
        var file = Path.Combine(Path.GetTempPath(), $"shopify-requests-{Guid.NewGuid():N}.json");
        var requests = new JsonArray(
            new JsonObject { ["id"] = 1, ["version"] = Current, ["query"] = "{ shop { id } }" },
            new JsonObject { ["id"] = 2, ["version"] = Current, ["query"] = AdjustWithoutIdempotent, ["variables"] = AdjustVariables(true) });
        await File.WriteAllTextAsync(file, requests.ToJsonString());
        try
        {
            var (exitCode, stdout) = await RunValidateCliAsync(file);

            Assert.Equal(1, exitCode);
            var results = JsonNode.Parse(stdout)!.AsArray();
            Assert.Empty(results[0]!["errors"]!.AsArray());
            Assert.Equal("IDEMPOTENCY_KEY_REQUIRED", results[1]!["errors"]![0]!["code"]!.GetValue<string>());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ValidateCli_FileWithOnlyValidRequests_ExitsWithZero()
    {
        var file = Path.Combine(Path.GetTempPath(), $"shopify-requests-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, new JsonArray(new JsonObject { ["id"] = "a", ["version"] = Current, ["query"] = "{ shop { id } }" }).ToJsonString());
        try
        {
            var (exitCode, stdout) = await RunValidateCliAsync(file);

            Assert.True(exitCode == 0, stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<(int ExitCode, string Stdout)> RunValidateCliAsync(string file)
    {
        var info = new ProcessStartInfo("node")
        {
            ArgumentList = { Path.Combine(ShopifySchema.RepositoryRoot, "tests", "tools", "shopify", "validate.mjs"), file },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        await stderr;
        return (process.ExitCode, await stdout);
    }
}
