package commit_test

import (
	"fmt"
	"math/big"

	"github.com/zkai-dev/zkai/commit"
)

func ExampleCommit() {
	weights := []commit.Tensor{
		{Values: []int64{-3, 0, 7, -128, 127}, Bits: 8}, // a weight matrix
		{Values: []int64{1000, -1000}, Bits: 17},        // its bias
	}
	// A real commitment uses commit.NewSalt(); a fixed one keeps the output
	// reproducible.
	salt := big.NewInt(12345)
	c, err := commit.Commit(commit.DomainWeights, weights, salt)
	if err != nil {
		panic(err)
	}
	fmt.Println(commit.PackedLen(weights), "packed elements")
	fmt.Println(c)
	// Output:
	// 2 packed elements
	// 18309544074439972356510804227412790210785716155800745490197390591972177230164
}
