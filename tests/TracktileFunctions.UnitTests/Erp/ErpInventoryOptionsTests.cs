using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;

namespace TracktileFunctions.UnitTests.Erp;

/// <summary>The inventory settings as the app binds them (through its real wiring, no network).</summary>
public sealed class ErpInventoryOptionsTests
{
    private static ErpInventoryOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging()
            .AddTracktileFunctions(configuration).BuildServiceProvider();
        return services.GetRequiredService<IOptions<ErpInventoryOptions>>().Value;
    }

    [Fact]
    public void Movements_OneKindOverridden_TheOtherDefaultsStay()
    {
        var options = Bind(("Erp:Inventory:Movements:inventory.received", "Production"));

        Assert.Equal(StockMovementType.Production, options.Movements["inventory.received"]);
        Assert.Equal(StockMovementType.WriteOff, options.Movements["inventory.destroyed"]);
        Assert.Equal(ErpInventoryOptions.DefaultMovements.Count, options.Movements.Count);
    }

    [Fact]
    public void Locations_ListFormForNodeIdsWithHyphens_ReadAlongsideTheMapForm()
    {
        var options = Bind(
            ("Erp:Inventory:Locations:0:Node", "3f2c9a1e-77b0-4c1e-9d2a-0c5e8b1f4a10"),
            ("Erp:Inventory:Locations:0:Location", "WH2/RECEIVING"),
            ("Erp:Inventory:Locations:node_line1", "WH1/LINE1"));

        Assert.Equal("WH2/RECEIVING", options.Locations["3f2c9a1e-77b0-4c1e-9d2a-0c5e8b1f4a10"]);
        Assert.Equal("WH1/LINE1", options.Locations["node_line1"]);
        Assert.Equal(2, options.Locations.Count);
    }

    [Fact]
    public void Locations_ListEntryWithoutLocation_FailsNamingTheSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(("Erp:Inventory:Locations:0:Node", "3f2c-uuid")));

        Assert.Contains("Erp:Inventory:Locations", error.Message, StringComparison.Ordinal);
    }
}
