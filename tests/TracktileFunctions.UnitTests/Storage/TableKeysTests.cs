using TracktileFunctions.Storage;

namespace TracktileFunctions.UnitTests.Storage;

public sealed class TableKeysTests
{
    [Theory]
    [InlineData("evt_abc123", "evt_abc123")]
    [InlineData("a/b#c?d", "a%2Fb%23c%3Fd")]
    public void Escape_ShortId_EscapedReversibly(string id, string key)
    {
        Assert.Equal(key, TableKeys.Escape(id));
        Assert.Equal(id, Uri.UnescapeDataString(TableKeys.Escape(id)));
    }

    [Theory]
    [InlineData(5_000, 'x')]
    [InlineData(256, 'é')] // escaping multiplies non-ASCII: 256 characters become 1,536
    [InlineData(120, '\u4e2d')]
    public void Escape_IdTooLongOnceEscaped_KeyBoundedAndDistinct(int length, char fill)
    {
        var id = new string(fill, length);
        var other = new string(fill, length - 1) + "z";

        var key = TableKeys.Escape(id);

        Assert.InRange(key.Length, 1, TableKeys.MaxKeyChars);
        Assert.NotEqual(key, TableKeys.Escape(other));
        Assert.Equal(key, TableKeys.Escape(id));
        Assert.DoesNotContain('/', key);
    }
}
