// The reference collector as an Android library module. It is not built by this repository
// (no Android SDK here); these are the versions it was written against.
plugins {
    id("com.android.library") version "8.5.2"
    id("org.jetbrains.kotlin.android") version "2.0.20"
}

android {
    namespace = "org.anonscore.collector"
    compileSdk = 35
    defaultConfig { minSdk = 26 }
    sourceSets["main"].java.srcDirs("src/main/kotlin")
}

dependencies {
    implementation("com.squareup.okhttp3:okhttp:4.12.0")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.8.1")
}
