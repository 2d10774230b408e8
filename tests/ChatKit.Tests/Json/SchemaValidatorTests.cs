using ChatKit.Tests.Support;

namespace ChatKit.Tests.Json;

/// <summary>A missing schema validator never passes silently: it skips the test with the reason, or fails it on CI.</summary>
public class SchemaValidatorTests
{
    [Test]
    public void A_missing_validator_fails_the_test_on_ci() =>
        Assert.Throws<AssertionException>(() => SchemaValidator.RequireValidator(null, ci: true))!
            .Message.Should().Contain("python3-jsonschema").And.Contain("CI=true");

    [Test]
    public void A_missing_validator_skips_the_test_elsewhere_and_says_why() =>
        Assert.Throws<IgnoreException>(() => SchemaValidator.RequireValidator(null, ci: false))!
            .Message.Should().Contain("python3-jsonschema");

    [Test]
    public void A_found_validator_is_used() =>
        SchemaValidator.RequireValidator("/usr/bin/python3", ci: true).Should().Be("/usr/bin/python3");
}
