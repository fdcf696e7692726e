namespace TracktileFunctions.UnitTests;

/// <summary>Reads the contract fixtures (real sample payloads, one per event kind) copied next to the tests.</summary>
internal static class Fixture
{
    public static byte[] Event(string kind) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "events", kind + ".json"));
}
